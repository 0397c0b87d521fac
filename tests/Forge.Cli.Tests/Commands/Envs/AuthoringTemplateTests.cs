using System.Diagnostics;
using System.Text.Json;

namespace Forge.Cli.Tests.Commands.Envs;

/// <summary>
/// The authoring path end to end, in a temporary folder outside the repository, offline: scripts/pack makes the packages
/// and the template into a folder feed; `dotnet new forge-env` makes a project that restores from that feed alone (every
/// other package from the local cache), builds and passes its own conformance test; `forge envs add` registers it,
/// `forge envs check` passes and `forge run` runs a scenario on it.
/// </summary>
public sealed class AuthoringTemplateTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("forge-authoring-test-").FullName;

    [Fact]
    public async Task DotnetNewForgeEnv_BuildsOfflineAndRunsInForge()
    {
        var feed = Path.Combine(_folder, "feed");
        var hive = Path.Combine(_folder, "template-hive");
        var project = Path.Combine(_folder, "Acme.Envs");

        var pack = await RunAsync(ForgeProcess.RepositoryRoot, Path.Combine(ForgeProcess.RepositoryRoot, "scripts", "pack"), feed);
        var template = Assert.Single(pack.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("Forge.Templates.", StringComparison.Ordinal)).Trim();
        await RunAsync(_folder, "dotnet", "new", "install", template, "--debug:custom-hive", hive);
        await RunAsync(_folder, "dotnet", "new", "forge-env", "-n", "Acme.Envs", "-o", project, "--forge-feed", feed, "--debug:custom-hive", hive);
        Assert.Contains($"value=\"{feed}\"", File.ReadAllText(Path.Combine(project, "nuget.config")));

        // Offline: the Forge packages from the feed only; their dependencies and xunit's are in the local package cache.
        await RunAsync(project, "dotnet", "restore", "Acme.Envs.Tests", "--source", feed);
        var test = await RunAsync(project, "dotnet", "test", "Acme.Envs.Tests", "--no-restore", "-nologo");
        Assert.Contains("Passed!", test.Stdout);

        var add = await ForgeAsync(project, "envs", "add", "Acme.Envs/Acme.Envs.csproj");
        Assert.Contains("Added acme.envs/reverse to environments.json", add);
        using (var registry = JsonDocument.Parse(File.ReadAllText(Path.Combine(project, "environments.json"))))
            Assert.Equal("Acme.Envs/Acme.Envs.csproj", registry.RootElement.GetProperty("environments").GetProperty("acme.envs/reverse").GetProperty("project").GetString());

        var check = await ForgeAsync(project, "envs", "check", "acme.envs/reverse", "--json");
        using (var report = JsonDocument.Parse(check))
            Assert.True(report.RootElement.GetProperty("passed").GetBoolean(), check);

        File.WriteAllText(Path.Combine(project, "reverse.json"), """
            { "name": "reverse", "seed": 3, "environments": [ { "id": "acme.envs/reverse" } ], "agent": { "type": "scripted" },
              "episodes_per_task": 2, "group_size": 2, "output": "runs/reverse" }
            """);
        var run = await ForgeAsync(project, "run", "reverse.json", "--json");
        using var summary = JsonDocument.Parse(run);
        var environment = Assert.Single(summary.RootElement.GetProperty("summary").GetProperty("environments").EnumerateArray());
        Assert.Equal(("acme.envs/reverse", 8, 1.0), (environment.GetProperty("id").GetString(), environment.GetProperty("episodes").GetInt32(), environment.GetProperty("success_rate").GetDouble()));
        Assert.True(File.Exists(Path.Combine(project, "runs", "reverse", "trajectories.forge")));
    }

    private static async Task<string> ForgeAsync(string folder, params string[] args)
    {
        var (code, stdout, stderr) = await ForgeProcess.RunAsync(folder, args);
        Assert.True(code == 0, $"forge {string.Join(' ', args)} exited {code}:{Environment.NewLine}{stdout}{Environment.NewLine}{stderr}");
        return stdout;
    }

    private static async Task<(string Stdout, string Stderr)> RunAsync(string folder, string command, params string[] args)
    {
        var start = new ProcessStartInfo(command) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"{command} {string.Join(' ', args)} exited {process.ExitCode}:{Environment.NewLine}{await stdout}{Environment.NewLine}{await stderr}");
        return (await stdout, await stderr);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
