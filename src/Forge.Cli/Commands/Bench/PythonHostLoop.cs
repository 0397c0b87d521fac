using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;

namespace Forge.Cli.Commands.Bench;

/// <summary>
/// The Python baseline of <c>forge bench host</c>: <c>baselines/host_loop.py</c> (shipped beside forge), a bare asyncio
/// loop of the same shape (dict messages, the same tick episode, a bounded hand-off to one writer of JSON lines flushed
/// per record), run with <c>python3</c> on the same episodes and concurrency.
/// </summary>
internal static class PythonHostLoop
{
    /// <summary>The script, copied next to the forge binary.</summary>
    public static string Script => Path.Combine(AppContext.BaseDirectory, "baselines", "host_loop.py");

    /// <summary>One round: <paramref name="episodes"/> episodes of <paramref name="steps"/> steps, <paramref name="concurrency"/> at once, writing into <paramref name="folder"/>.</summary>
    /// <exception cref="InvalidOperationException">python3 is missing, or the script failed or printed something else than its result.</exception>
    public static async Task<ThroughputResult> RunAsync(int episodes, int steps, int concurrency, string folder, CancellationToken cancellationToken)
    {
        if (!File.Exists(Script)) throw new InvalidOperationException($"The Python baseline {Script} is missing from this build.");
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { Script, "--episodes", $"{episodes}", "--steps", $"{steps}", "--concurrency", $"{concurrency}", "--out", Path.Combine(folder, "trajectories.jsonl") })
            start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"python3 could not be started ({e.Message}); the Python baseline needs python3 on the PATH.", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"The Python baseline {Script} exited with {process.ExitCode}: {(await stderr).Trim()}");
            return Parse(await stdout);
        }
    }

    private static ThroughputResult Parse(string output)
    {
        try
        {
            using var json = JsonDocument.Parse(output);
            var root = json.RootElement;
            return new ThroughputResult(root.GetProperty("concurrency").GetInt32(), root.GetProperty("episodes").GetInt32(), root.GetProperty("steps").GetInt64(),
                root.GetProperty("seconds").GetDouble())
            {
                CpuSeconds = root.GetProperty("cpu_seconds").GetDouble(),
                SyncSeconds = root.GetProperty("sync_seconds").GetDouble(),
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidOperationException($"The Python baseline {Script} printed '{output.Trim()}', not its result: {e.Message}", e);
        }
    }
}
