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
    private static readonly BaselineScript Script = new("python3", "host_loop.py");

    /// <summary>One round: <paramref name="episodes"/> episodes of <paramref name="steps"/> steps, <paramref name="concurrency"/> at once, writing into <paramref name="folder"/>.</summary>
    /// <exception cref="InvalidOperationException">python3 is missing, or the script failed or printed something else than its result.</exception>
    public static async Task<ThroughputResult> RunAsync(int episodes, int steps, int concurrency, string folder, CancellationToken cancellationToken) =>
        Parse(await Script.RunAsync(["--episodes", $"{episodes}", "--steps", $"{steps}", "--concurrency", $"{concurrency}", "--out", Path.Combine(folder, "trajectories.jsonl")], null, cancellationToken));

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
            throw new InvalidOperationException($"The Python baseline {Script.Path} printed '{output.Trim()}', not its result: {e.Message}", e);
        }
    }
}
