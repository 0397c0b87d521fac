using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Forge.Core;

namespace Forge.Host.Recording;

/// <summary>Write and read speed of one format over the same trajectories.</summary>
/// <param name="Format">What was measured.</param>
/// <param name="Bytes">Size of the file.</param>
/// <param name="WriteSeconds">Best time to write every trajectory (serialization and file writes, flushed at the end).</param>
/// <param name="ReadSeconds">Best time to read them all back into <see cref="Trajectory"/> objects.</param>
public sealed record FormatTiming(string Format, long Bytes, double WriteSeconds, double ReadSeconds)
{
    private const double MB = 1024 * 1024;

    /// <summary>Megabytes of this format's own file written per second.</summary>
    public double WriteMBps => Bytes / MB / WriteSeconds;

    /// <summary>Megabytes of this format's own file read per second.</summary>
    public double ReadMBps => Bytes / MB / ReadSeconds;
}

/// <summary>The recorder against System.Text.Json lines, measured in the same run on the same trajectories.</summary>
/// <param name="Trajectories">How many trajectories each file holds.</param>
/// <param name="Log">The trajectory log (<c>.forge</c>), written through <see cref="TrajectoryRecorder"/> buffered and read with <see cref="TrajectoryReader"/>.</param>
/// <param name="LogFlushedPerRecord">The same log written with the recorder's default durability: each record flushed to the OS.</param>
/// <param name="JsonLines">The baseline: one System.Text.Json object per line, written buffered and read line by line.</param>
public sealed record RecorderBenchmarkResult(int Trajectories, FormatTiming Log, FormatTiming LogFlushedPerRecord, FormatTiming JsonLines)
{
    /// <summary>Trajectories written per second by <paramref name="timing"/>.</summary>
    public double WritesPerSecond(FormatTiming timing) => Trajectories / timing.WriteSeconds;

    /// <summary>Trajectories read per second by <paramref name="timing"/>.</summary>
    public double ReadsPerSecond(FormatTiming timing) => Trajectories / timing.ReadSeconds;
}

/// <summary>
/// The measuring half of <c>forge bench host</c>'s recorder section: writes and reads the same trajectories as a trajectory log
/// and as JSON lines in a directory, best of a few repetitions each, and checks that both read back complete.
/// </summary>
public static class RecorderBenchmark
{
    /// <summary>Measures; the files are left in <paramref name="directory"/> (the caller owns and removes it).</summary>
    public static async Task<RecorderBenchmarkResult> RunAsync(IReadOnlyList<Trajectory> trajectories, string directory, int repetitions = 5, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trajectories);
        ArgumentOutOfRangeException.ThrowIfLessThan(repetitions, 1);
        Directory.CreateDirectory(directory);

        var log = await MeasureAsync("trajectory log", trajectories, repetitions, cancellationToken,
            () => WriteLogAsync(trajectories, Path.Combine(directory, "buffered"), RecordDurability.Buffered, cancellationToken),
            path => TrajectoryReader.Read(path).Trajectories.Count).ConfigureAwait(false);
        var flushed = await MeasureAsync("trajectory log, flushed per record", trajectories, repetitions, cancellationToken,
            () => WriteLogAsync(trajectories, Path.Combine(directory, "flushed"), RecordDurability.Flushed, cancellationToken),
            path => TrajectoryReader.Read(path).Trajectories.Count).ConfigureAwait(false);
        var json = await MeasureAsync("JSON lines (System.Text.Json)", trajectories, repetitions, cancellationToken,
            () => WriteJsonLinesAsync(trajectories, Path.Combine(directory, "trajectories.jsonl"), cancellationToken),
            ReadJsonLines).ConfigureAwait(false);
        return new RecorderBenchmarkResult(trajectories.Count, log, flushed, json);
    }

    /// <summary>
    /// <paramref name="count"/> deterministic trajectories shaped like real tool-using episodes, for benchmarking without running any:
    /// a system and a user prompt, three turns (two tool calls with results, a final answer with 64 token ids and log-probs),
    /// step info, a reward breakdown. About 2.7 KB each as a log record.
    /// </summary>
    public static IReadOnlyList<Trajectory> SampleTrajectories(int count, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var random = new Random(seed);
        var tools = new[] { new ToolSpec("calculate", "Evaluate an arithmetic expression exactly.",
            """{"type":"object","properties":{"expression":{"type":"string","description":"e.g. 2*(3+4)"}},"required":["expression"],"additionalProperties":false}""") };
        var started = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var result = new List<Trajectory>(count);
        for (var i = 0; i < count; i++)
        {
            int a = random.Next(100, 999), b = random.Next(10, 99), c = random.Next(1, 9);
            var tokens = Enumerable.Range(0, 64).Select(_ => random.Next(0, 50_000)).ToArray();
            result.Add(new Trajectory
            {
                EpisodeId = $"bench:{i}", RunId = "bench", GroupId = $"math/arithmetic:arith-{seed}-{i / 4}", EnvironmentId = "math/arithmetic",
                EnvironmentVersion = "1", TaskId = $"arith-{seed}-{i / 4}", Seed = random.Next(), AgentId = "policy", PolicyVersion = 3,
                Prompt = [Message.System("Solve the problem. You may call calculate(expression) for exact arithmetic. End with 'Answer: <number>'."),
                          Message.User($"A warehouse holds {a} crates of {b} boxes each, and {c} boxes are damaged. How many boxes are intact?")],
                Tools = tools,
                Steps =
                [
                    new Step { Index = 0, Action = Message.Assistant("First the total number of boxes.", new ToolCall("call_0", "calculate", $$"""{"expression":"{{a}}*{{b}}"}""")),
                               Observation = [Message.ToolResult("call_0", "calculate", (a * b).ToString(System.Globalization.CultureInfo.InvariantCulture))],
                               AgentMs = random.NextDouble() * 40, EnvironmentMs = random.NextDouble() },
                    new Step { Index = 1, Action = Message.Assistant("Now remove the damaged ones.", new ToolCall("call_1", "calculate", $$"""{"expression":"{{a * b}}-{{c}}"}""")),
                               Observation = [Message.ToolResult("call_1", "calculate", (a * b - c).ToString(System.Globalization.CultureInfo.InvariantCulture))],
                               AgentMs = random.NextDouble() * 40, EnvironmentMs = random.NextDouble() },
                    new Step { Index = 2, Action = new Message { Role = Role.Assistant, Content = $"Answer: {a * b - c}", TokenIds = tokens,
                                   LogProbs = tokens.Select(_ => (float)-random.NextDouble()).ToArray(), PolicyVersion = 3 },
                               Reward = 1.1, AgentMs = random.NextDouble() * 40, EnvironmentMs = random.NextDouble(),
                               Info = new Dictionary<string, string> { ["parsed_answer"] = $"{a * b - c}" } },
                ],
                TotalReward = 1.1,
                Breakdown = new RewardBreakdown(new Dictionary<string, double> { ["numeric_tolerance"] = 1, ["token_budget"] = 1, ["format"] = 1 }, 1.1, true),
                Termination = Termination.Terminated,
                StartedAt = started.AddMilliseconds(i * 13),
                DurationMs = random.NextDouble() * 150,
                AssistantTokens = 90,
            });
        }
        return result;
    }

    private static async Task<FormatTiming> MeasureAsync(string format, IReadOnlyList<Trajectory> trajectories, int repetitions,
        CancellationToken cancellationToken, Func<Task<string>> write, Func<string, int> read)
    {
        var bestWrite = double.MaxValue;
        var bestRead = double.MaxValue;
        var path = "";
        for (var i = -1; i < repetitions; i++) // round -1 warms up (JIT, serializer code generation) and is not timed
        {
            cancellationToken.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            path = await write().ConfigureAwait(false);
            if (i >= 0) bestWrite = Math.Min(bestWrite, clock.Elapsed.TotalSeconds);

            clock.Restart();
            var count = read(path);
            if (i >= 0) bestRead = Math.Min(bestRead, clock.Elapsed.TotalSeconds);
            if (count != trajectories.Count)
                throw new InvalidOperationException($"{format}: read {count} trajectories back from {path}, wrote {trajectories.Count}.");
        }
        return new FormatTiming(format, new FileInfo(path).Length, bestWrite, bestRead);
    }

    private static async Task<string> WriteLogAsync(IReadOnlyList<Trajectory> trajectories, string directory, RecordDurability durability, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, TrajectoryRecorder.DefaultFileName);
        if (File.Exists(path)) File.Delete(path);
        await using var recorder = new TrajectoryRecorder(directory, new RecorderOptions { Durability = durability });
        foreach (var t in trajectories) await recorder.OnTrajectoryAsync(t, cancellationToken).ConfigureAwait(false);
        await recorder.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return recorder.Path;
    }

    private static async Task<string> WriteJsonLinesAsync(IReadOnlyList<Trajectory> trajectories, string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 64 * 1024, FileOptions.Asynchronous);
        foreach (var t in trajectories)
        {
            await JsonSerializer.SerializeAsync(file, t, TrajectoryJson.Options, cancellationToken).ConfigureAwait(false);
            file.WriteByte((byte)'\n');
        }
        await file.FlushAsync(cancellationToken).ConfigureAwait(false);
        file.Flush(flushToDisk: true);
        return path;
    }

    private static int ReadJsonLines(string path)
    {
        var count = 0;
        foreach (var line in File.ReadLines(path, Encoding.UTF8))
            if (line.Length > 0 && JsonSerializer.Deserialize<Trajectory>(line, TrajectoryJson.Options) is not null) count++;
        return count;
    }
}
