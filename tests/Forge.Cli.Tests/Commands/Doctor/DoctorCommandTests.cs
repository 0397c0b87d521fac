using System.Text.Json;
using System.Xml.Linq;

namespace Forge.Cli.Tests.Commands.Doctor;

/// <summary><c>forge doctor</c> as a user runs it, on this CPU machine (the local sandbox must work here: scripts/install-sandbox-deps).</summary>
public sealed class DoctorCommandTests
{
    private static Task<(int ExitCode, string Stdout, string Stderr)> Doctor(IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        ForgeProcess.RunAsync(ForgeProcess.RepositoryRoot, ["doctor", .. args], environment);

    private static readonly Dictionary<string, string?> Plain = new();

    [Fact]
    public async Task Doctor_Json_StableShape()
    {
        var (exit, stdout, stderr) = await Doctor(Plain, "--json");

        Assert.True(exit == 0, stderr);
        var root = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(["schema_version", "torch", "dotnet", "sandboxes"], Names(root));
        Assert.Equal(1, root.GetProperty("schema_version").GetInt32());
        var torch = root.GetProperty("torch");
        Assert.Equal(["error", "device", "cuda", "bf16", "threads", "libtorch"], Names(torch));
        Assert.Equal(["available", "devices"], Names(torch.GetProperty("cuda")));
        Assert.Equal(["path", "version", "expected", "matches", "source"], Names(torch.GetProperty("libtorch")));
        Assert.Equal(["path", "patched", "loader", "libstdcxx", "runtime"], Names(root.GetProperty("dotnet")));
        Assert.All(root.GetProperty("sandboxes").EnumerateArray(), b => Assert.Equal(["backend", "isolated", "in_effect", "missing"], Names(b)));
    }

    [Fact]
    public async Task Doctor_Json_ThisCpuMachine()
    {
        var (_, stdout, _) = await Doctor(Plain, "--json");

        var root = JsonDocument.Parse(stdout).RootElement;
        var torch = root.GetProperty("torch");
        Assert.Equal(JsonValueKind.Null, torch.GetProperty("error").ValueKind);
        Assert.Equal("cpu", torch.GetProperty("device").GetString());
        Assert.False(torch.GetProperty("cuda").GetProperty("available").GetBoolean());
        Assert.Empty(torch.GetProperty("cuda").GetProperty("devices").EnumerateArray());
        Assert.True(torch.GetProperty("bf16").GetBoolean());
        Assert.True(torch.GetProperty("threads").GetInt32() >= 1);
        var libtorch = torch.GetProperty("libtorch");
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native"), libtorch.GetProperty("path").GetString());
        Assert.Equal(BundledLibtorchVersion, libtorch.GetProperty("version").GetString());
        Assert.Equal("2.10.0", libtorch.GetProperty("expected").GetString());
        Assert.True(libtorch.GetProperty("matches").GetBoolean());
        Assert.Equal("bundled", libtorch.GetProperty("source").GetString());

        var dotnet = root.GetProperty("dotnet");
        Assert.Equal(ForgeProcess.DotnetHost, dotnet.GetProperty("path").GetString());
        // scripts/torchsharp-env stamps the patched host's folder; a system host has no such file.
        var patched = File.Exists(Path.Combine(Path.GetDirectoryName(ForgeProcess.DotnetHost) ?? "", ".forge-source"));
        Assert.Equal(patched, dotnet.GetProperty("patched").GetBoolean());
        Assert.Equal(Environment.Version.ToString(), dotnet.GetProperty("runtime").GetString());

        var sandboxes = root.GetProperty("sandboxes").EnumerateArray().ToList();
        Assert.Equal(["local", "docker"], sandboxes.Select(s => s.GetProperty("backend").GetString()));
        Assert.True(sandboxes[0].GetProperty("isolated").GetBoolean(), sandboxes[0].ToString());
    }

    [Fact]
    public async Task Doctor_Plain_PrintsDeviceLibtorchHostAndSandboxes()
    {
        var (exit, stdout, stderr) = await Doctor(Plain);

        Assert.True(exit == 0, stderr);
        Assert.Contains("torch: device cpu", stdout);
        Assert.Contains($"libtorch {BundledLibtorchVersion} (bundled)", stdout);
        Assert.Contains("matches TorchSharp's 2.10.0", stdout);
        Assert.Contains("dotnet: ", stdout);
        Assert.Contains("local: isolates untrusted code", stdout);
    }

    private static List<string> Names(JsonElement element) => [.. element.EnumerateObject().Select(p => p.Name)];

    /// <summary>The libtorch-cpu-linux-x64 version the solution pins (Directory.Packages.props).</summary>
    internal static string BundledLibtorchVersion { get; } =
        XDocument.Load(Path.Combine(ForgeProcess.RepositoryRoot, "Directory.Packages.props")).Descendants("PackageVersion")
            .Single(p => (string?)p.Attribute("Include") == "libtorch-cpu-linux-x64").Attribute("Version")!.Value;

    internal static string NuGetPackages { get; } =
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } packages ? packages
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
}
