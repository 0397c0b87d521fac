using System.Diagnostics;

namespace Forge.Cli.Tests.Commands;

/// <summary>Runs the built forge CLI (copied next to the tests) as a child process, the way a user does.</summary>
internal static class ForgeProcess
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string workingDirectory, params string[] args) =>
        RunAsync(workingDirectory, args, whileRunning: null);

    /// <summary>Runs forge; <paramref name="whileRunning"/> gets the process id while it runs (to signal it).</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string workingDirectory, string[] args, Func<int, Task>? whileRunning) =>
        RunAsync(workingDirectory, args, new Dictionary<string, string?>(), whileRunning);

    /// <summary>Runs forge with <paramref name="environment"/> added to (a null value: removed from) this process's environment.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string workingDirectory, string[] args, IReadOnlyDictionary<string, string?> environment, Func<int, Task>? whileRunning = null)
    {
        // Through `env --default-signal=INT` (which execs, so the pid is forge's): a test runner started in the background
        // of a non-interactive shell ignores SIGINT, children inherit that, and the Ctrl+C tests would signal a deaf process.
        var start = new ProcessStartInfo("env") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment)
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        start.ArgumentList.Add("--default-signal=INT");
        start.ArgumentList.Add(DotnetHost);
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "forge.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        if (whileRunning is not null) await whileRunning(process.Id);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>
    /// The dotnet host running these tests: on hosts whose C++ runtime is too old for TorchSharp the test runner is the
    /// patched copy made by scripts/torchsharp-env, and forge must run through it too.
    /// </summary>
    public static string DotnetHost { get; } =
        Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Forge.sln"))) return dir.FullName;
        throw new InvalidOperationException("The tests run outside the repository.");
    }
}
