using System.Diagnostics;
using Forge.Training.Devices;

namespace Forge.Training.Tests.Devices;

public sealed class TorchRuntimeTests
{
    [Fact]
    public void Initialize_SetsAPassiveOpenMpWaitUnlessChosen()
    {
        TorchRuntime.Initialize();
        Assert.False(string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OMP_WAIT_POLICY")));
    }

    [Fact]
    public void TorchSharpEnvScript_PrintDotnet_NamesAnExecutableThatRuns()
    {
        var script = Path.Combine(RepositoryRoot(), "scripts", "torchsharp-env");
        var dotnet = Run(script, "--print-dotnet").Trim();
        Assert.True(File.Exists(dotnet) || dotnet == "dotnet", $"'{dotnet}' does not exist");
        Assert.Contains("Microsoft.NETCore.App", Run(dotnet, "--list-runtimes"));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Forge.sln")))
                return dir.FullName;
        throw new InvalidOperationException("Forge.sln not found above the test binaries.");
    }

    private static string Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), $"{file} {arguments} did not finish");
        Assert.True(process.ExitCode == 0, $"{file} {arguments} exited {process.ExitCode}: {stderr.Result}");
        return stdout.Result;
    }
}
