using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Forge.Core;

namespace Forge.Host.Recording;

/// <summary>Write and read speed of one format over the same trajectories.</summary>
/// <param name="Format">What was measured: <c>forge log</c> or <c>JSON lines</c>.</param>
/// <param name="FlushEachRecord">True when each record was handed to the operating system before the next (what a run does by default).</param>
/// <param name="Bytes">Size of the file.</param>
/// <param name="WriteSeconds">Best time to write every trajectory: serialization and file writes until every byte is with the operating system (the disk sync after it is not timed).</param>
/// <param name="ReadSeconds">Best time to read them all back into <see cref="Trajectory"/> objects.</param>
public sealed record FormatTiming(string Format, bool FlushEachRecord, long Bytes, double WriteSeconds, double ReadSeconds)
{
    private const double MB = 1e6;

    /// <summary>Megabytes of this format's own file written per second.</summary>
    public double WriteMBps => Bytes / MB / WriteSeconds;

    /// <summary>Megabytes of this format's own file read per second.</summary>
    public double ReadMBps => Bytes / MB / ReadSeconds;
}

/// <summary>The trajectory log against System.Text.Json lines, measured in the same run on the same trajectories, flushed per record and buffered.</summary>
/// <param name="Trajectories">How many trajectories each file holds.</param>
/// <param name="Rows">Log and JSON lines, flushed per record, then buffered.</param>
public sealed record RecorderBenchmarkResult(int Trajectories, IReadOnlyList<FormatTiming> Rows)
{
    /// <summary>The row of <paramref name="format"/> with flushing <paramref name="flushEachRecord"/>.</summary>
    public FormatTiming Row(string format, bool flushEachRecord) => Rows.Single(r => r.Format == format && r.FlushEachRecord == flushEachRecord);

    /// <summary>How many times faster the log writes than JSON lines (trajectories per second, same flushing).</summary>
    public double WriteSpeedup(bool flushEachRecord) => Row(RecorderBenchmark.JsonLines, flushEachRecord).WriteSeconds / Row(RecorderBenchmark.Log, flushEachRecord).WriteSeconds;

    /// <summary>How many times faster the log reads than JSON lines (the files written with <paramref name="flushEachRecord"/>).</summary>
    public double ReadSpeedup(bool flushEachRecord) => Row(RecorderBenchmark.JsonLines, flushEachRecord).ReadSeconds / Row(RecorderBenchmark.Log, flushEachRecord).ReadSeconds;

    /// <summary>Trajectories per second for <paramref name="seconds"/>.</summary>
    public double PerSecond(double seconds) => Trajectories / seconds;
}

/// <summary>
/// The recorder section of <c>forge bench host</c>: writes and reads the same trajectories with <see cref="TrajectoryRecorder"/> /
/// <see cref="TrajectoryReader"/> and, as the baseline, as JSON lines with System.Text.Json (default options, one object per line,
/// an asynchronous <see cref="FileStream"/> flushed per record or not, read back line by line), each flushed per record and
/// buffered, best of a few rounds (every variant once per round) after a warm-up round, and checks that every file reads back complete.
/// </summary>
public static class RecorderBenchmark
{
    /// <summary>The log's name in <see cref="FormatTiming.Format"/>.</summary>
    public const string Log = "forge log";

    /// <summary>The baseline's name in <see cref="FormatTiming.Format"/>.</summary>
    public const string JsonLines = "JSON lines";

    private static readonly byte[] NewLine = "\n"u8.ToArray();

    /// <summary>Measures in <paramref name="directory"/> (the caller owns and removes it).</summary>
    public static async Task<RecorderBenchmarkResult> RunAsync(IReadOnlyList<Trajectory> trajectories, string directory, int repetitions = 9, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trajectories);
        ArgumentOutOfRangeException.ThrowIfLessThan(repetitions, 1);
        Directory.CreateDirectory(directory);
        var variants = new List<Variant>();
        foreach (var flush in new[] { true, false })
        {
            var logFolder = Path.Combine(directory, flush ? "flushed" : "buffered");
            var logFile = Path.Combine(logFolder, TrajectoryRecorder.DefaultFileName);
            variants.Add(new Variant(Log, flush, logFile,
                () => WriteLogAsync(trajectories, logFolder, flush ? RecordDurability.Flushed : RecordDurability.Buffered, cancellationToken),
                () => TrajectoryReader.Read(logFile).Trajectories.Count));
            var jsonFile = Path.Combine(directory, flush ? "flushed.jsonl" : "buffered.jsonl");
            variants.Add(new Variant(JsonLines, flush, jsonFile,
                () => WriteJsonLinesAsync(trajectories, jsonFile, flush, cancellationToken), () => ReadJsonLines(jsonFile)));
        }
        // Round robin: every variant once per round, so JIT tiering, a busy machine or a warming disk weigh on all of them alike;
        // the first two rounds warm up (JIT tiers, serializer code generation) and are not timed.
        for (var round = -2; round < repetitions; round++)
            foreach (var variant in variants)
                await variant.MeasureAsync(trajectories.Count, timed: round >= 0, cancellationToken).ConfigureAwait(false);
        var rows = variants.Select(v => new FormatTiming(v.Format, v.Flush, new FileInfo(v.Path).Length, v.BestWrite, v.BestRead)).ToList();
        return new RecorderBenchmarkResult(trajectories.Count, rows);
    }

    /// <summary>
    /// <paramref name="count"/> deterministic trajectories shaped like real tool-using episodes, for benchmarking without running any:
    /// a system and a user prompt, three turns (two tool calls with results, a final answer with 64 token ids and log-probs),
    /// step info, a reward breakdown. About 1.6 KB each as a format-2 log record (3.1 KB in format 1, 4.8 KB as a JSON line).
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

    private sealed record Variant(string Format, bool Flush, string Path, Func<Task<double>> Write, Func<int> Read)
    {
        public double BestWrite { get; private set; } = double.MaxValue;
        public double BestRead { get; private set; } = double.MaxValue;

        public async Task MeasureAsync(int expected, bool timed, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var writeSeconds = await Write().ConfigureAwait(false);
            if (timed) BestWrite = Math.Min(BestWrite, writeSeconds);
            var clock = Stopwatch.StartNew();
            var count = Read();
            if (timed) BestRead = Math.Min(BestRead, clock.Elapsed.TotalSeconds);
            if (count != expected)
                throw new InvalidOperationException($"{Format}: read {count} trajectories back from {Path}, wrote {expected}.");
        }
    }

    // Both writers are timed until every record is with the operating system; the disk sync that ends a run (the same for any
    // format, and on a busy disk larger than the work being compared) follows outside the clock.
    private static async Task<double> WriteLogAsync(IReadOnlyList<Trajectory> trajectories, string directory, RecordDurability durability, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, TrajectoryRecorder.DefaultFileName);
        if (File.Exists(path)) File.Delete(path);
        var clock = Stopwatch.StartNew();
        await using var recorder = new TrajectoryRecorder(directory, new RecorderOptions { Durability = durability });
        foreach (var t in trajectories) await recorder.OnTrajectoryAsync(t, cancellationToken).ConfigureAwait(false);
        recorder.Flush();
        var seconds = clock.Elapsed.TotalSeconds;
        await recorder.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return seconds;
    }

    private static async Task<double> WriteJsonLinesAsync(IReadOnlyList<Trajectory> trajectories, string path, bool flushEach, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 64 * 1024, FileOptions.Asynchronous);
        foreach (var t in trajectories)
        {
            await JsonSerializer.SerializeAsync(file, t, cancellationToken: cancellationToken).ConfigureAwait(false);
            await file.WriteAsync(NewLine, cancellationToken).ConfigureAwait(false);
            if (flushEach) await file.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        await file.FlushAsync(cancellationToken).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        file.Flush(flushToDisk: true);
        return seconds;
    }

    private static int ReadJsonLines(string path)
    {
        var count = 0;
        foreach (var line in File.ReadLines(path, Encoding.UTF8))
            if (line.Length > 0 && JsonSerializer.Deserialize<Trajectory>(line) is not null) count++;
        return count;
    }
}
