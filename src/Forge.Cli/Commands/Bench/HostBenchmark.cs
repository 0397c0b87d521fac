using System.Diagnostics;
using Forge.Core;
using Forge.Host;
using Forge.Host.Recording;

namespace Forge.Cli.Commands.Bench;

/// <summary>
/// Measures the episode host with a trivial environment and a scripted agent, recording on (every trajectory appended to a
/// trajectory log, handed to the operating system per record, as <c>forge run</c> does): episodes/s and steps/s at several
/// concurrency levels, against two baselines measured in the same run: the same environment and agent called directly in
/// a loop (no host, nothing recorded), and a bare Python asyncio loop of the same shape (<see cref="PythonHostLoop"/>).
/// </summary>
internal sealed class HostBenchmark(int stepsPerEpisode, int episodes)
{
    /// <summary>Each configuration runs this many times, interleaved with the others; the best round counts (robust to a busy machine).</summary>
    public const int Rounds = 3;

    /// <summary>The concurrency of the Python baseline and of the host row the target is about.</summary>
    public const int TargetConcurrency = 64;

    public async Task<HostBenchmarkResult> RunAsync(IReadOnlyList<int> concurrencyLevels, CancellationToken cancellationToken)
    {
        // Warm up both paths (JIT, tool schemas) before timing anything.
        await RunDirectAsync(Math.Min(200, episodes), cancellationToken);
        await RunHostAsync(1, Math.Min(200, episodes), cancellationToken);
        await RunHostAsync(TargetConcurrency, Math.Min(2000, episodes), cancellationToken);

        ThroughputResult? direct = null;
        ThroughputResult? python = null;
        string? pythonFailure = null;
        var levels = new ThroughputResult?[concurrencyLevels.Count];
        for (var round = 0; round < Rounds; round++)
        {
            direct = Best(direct, await RunDirectAsync(episodes, cancellationToken));
            for (var i = 0; i < levels.Length; i++)
                levels[i] = Best(levels[i], await RunHostAsync(concurrencyLevels[i], Math.Max(episodes, 2 * concurrencyLevels[i]), cancellationToken));
            if (pythonFailure is not null) continue;
            try
            {
                python = Best(python, await InFolderAsync(folder => PythonHostLoop.RunAsync(Math.Max(episodes, 2 * TargetConcurrency), stepsPerEpisode, TargetConcurrency, folder, cancellationToken)));
            }
            catch (InvalidOperationException e)
            {
                pythonFailure = e.Message;
            }
        }
        var single = levels.FirstOrDefault(l => l!.Concurrency == 1) ?? throw new ArgumentException("The levels must include concurrency 1, the overhead's reference.", nameof(concurrencyLevels));
        return new HostBenchmarkResult(stepsPerEpisode, direct!, [.. levels.Select(l => l!)], single.MicrosecondsPerStep - direct!.MicrosecondsPerStep, python, pythonFailure);
    }

    private static ThroughputResult Best(ThroughputResult? a, ThroughputResult b) => a is null || b.MicrosecondsPerStep < a.MicrosecondsPerStep ? b : a;

    /// <summary>The baseline: reset, then agent.ActAsync → env.StepAsync until done, one episode after another, no host.</summary>
    private async Task<ThroughputResult> RunDirectAsync(int count, CancellationToken cancellationToken)
    {
        var agent = new TickAgent();
        var limits = Limits;
        long steps = 0;
        var usage = Usage.Start();
        for (var i = 0; i < count; i++)
        {
            await using var environment = new TickEnvironment(stepsPerEpisode);
            var context = new EpisodeContext($"d{i}", i) { Limits = limits, Cancellation = cancellationToken };
            var task = new TickTask($"t{i}");
            var reset = await environment.ResetAsync(context, task);
            var conversation = new List<Message>(reset.Observation);
            while (true)
            {
                var action = await agent.ActAsync(new AgentTurn("bench/tick", task, conversation, reset.Tools, context), cancellationToken);
                var result = await environment.StepAsync(action, cancellationToken);
                conversation.Add(action);
                conversation.AddRange(result.Observation);
                steps++;
                if (result.Done) break;
            }
        }
        return usage.Stop(new ThroughputResult(0, count, steps, 0));
    }

    /// <summary>
    /// The host with a trajectory recorder, as a run has it. The clock stops when the last record is handed to the operating
    /// system; the recorder's final sync to the disk (once per run, however long) is timed apart, as the Python baseline's is.
    /// </summary>
    private Task<ThroughputResult> RunHostAsync(int concurrency, int count, CancellationToken cancellationToken) => InFolderAsync(async folder =>
    {
        var engine = new RolloutEngine(new RolloutOptions { Concurrency = concurrency, RunId = "bench" }, _ => new TickEnvironment(stepsPerEpisode), new TickAgent());
        var requests = Enumerable.Range(0, count).Select(i => new EpisodeRequest($"e{i}", "bench/tick", new TickTask($"t{i}"), i, $"g{i}") { Limits = Limits });
        await using var recorder = new TrajectoryRecorder(folder);
        var sink = new SyncTimedSink(recorder);
        var usage = Usage.Start();
        var summary = await engine.RunAsync(requests, [sink], cancellationToken);
        var result = usage.Stop(new ThroughputResult(concurrency, count, summary.Steps, 0), sink.SyncSeconds);
        if (summary.Terminations.GetValueOrDefault(Termination.Terminated) != count || recorder.Count != count)
            throw new InvalidOperationException($"The benchmark's episodes did not all terminate normally and get recorded ({recorder.Count} recorded): {string.Join(", ", summary.Terminations.Select(t => $"{t.Key}={t.Value}"))}.");
        return result;
    });

    private static async Task<T> InFolderAsync<T>(Func<string, Task<T>> run)
    {
        var folder = Directory.CreateTempSubdirectory("forge-bench-host-");
        try { return await run(folder.FullName); }
        finally { folder.Delete(recursive: true); }
    }

    /// <summary>Trajectories of <paramref name="count"/> episodes (untimed), for the recorder benchmark.</summary>
    public async Task<IReadOnlyList<Trajectory>> CollectAsync(int count, CancellationToken cancellationToken)
    {
        var engine = new RolloutEngine(new RolloutOptions { Concurrency = TargetConcurrency, RunId = "bench" }, _ => new TickEnvironment(stepsPerEpisode), new TickAgent());
        var requests = Enumerable.Range(0, count).Select(i => new EpisodeRequest($"e{i}", "bench/tick", new TickTask($"t{i}"), i, $"g{i}") { Limits = Limits });
        var sink = new ListSink();
        await engine.RunAsync(requests, [sink], cancellationToken);
        return sink.Trajectories;
    }

    private EpisodeLimits Limits => EpisodeLimits.Default with { MaxTurns = stepsPerEpisode + 1 };

    /// <summary>Wall time, this process's CPU time and its allocations over one measurement.</summary>
    private readonly record struct Usage(long Started, TimeSpan Cpu, long Allocated)
    {
        public static Usage Start() => new(Stopwatch.GetTimestamp(), Environment.CpuUsage.TotalTime, GC.GetTotalAllocatedBytes(precise: true));

        /// <summary>The measurement in <paramref name="counts"/>, less <paramref name="syncSeconds"/> spent in the final disk sync.</summary>
        public ThroughputResult Stop(ThroughputResult counts, double syncSeconds = 0) => counts with
        {
            Seconds = Stopwatch.GetElapsedTime(Started).TotalSeconds - syncSeconds,
            CpuSeconds = (Environment.CpuUsage.TotalTime - Cpu).TotalSeconds,
            AllocatedBytes = GC.GetTotalAllocatedBytes(precise: true) - Allocated,
            SyncSeconds = syncSeconds,
        };
    }

    /// <summary>Passes trajectories on to the recorder and times its completion (the sync to the disk at the end of a run).</summary>
    private sealed class SyncTimedSink(ITrajectorySink inner) : ITrajectorySink
    {
        public double SyncSeconds { get; private set; }

        public ValueTask OnTrajectoryAsync(Trajectory trajectory, CancellationToken cancellationToken) => inner.OnTrajectoryAsync(trajectory, cancellationToken);

        public async ValueTask CompleteAsync(CancellationToken cancellationToken)
        {
            var started = Stopwatch.GetTimestamp();
            await inner.CompleteAsync(cancellationToken);
            SyncSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        }
    }
}

/// <summary>One measured configuration: episodes at once (0 for the direct baseline), episodes, steps, wall seconds (without the final disk sync).</summary>
internal sealed record ThroughputResult(int Concurrency, int Episodes, long Steps, double Seconds)
{
    /// <summary>CPU time of the measuring process (all its threads) over the measurement.</summary>
    public double CpuSeconds { get; init; }

    /// <summary>Bytes allocated over the measurement; null where not known (the Python baseline).</summary>
    public long? AllocatedBytes { get; init; }

    /// <summary>The recorder's final sync to the disk, timed apart from <see cref="Seconds"/>.</summary>
    public double SyncSeconds { get; init; }

    public double EpisodesPerSecond => Episodes / Seconds;
    public double StepsPerSecond => Steps / Seconds;
    public double MicrosecondsPerStep => Seconds * 1e6 / Steps;
    public double CpuMicrosecondsPerStep => CpuSeconds * 1e6 / Steps;
    public double? AllocatedBytesPerStep => AllocatedBytes / (double)Steps;
}

/// <summary>Everything <c>forge bench host</c> measured; <paramref name="PythonFailure"/> says why the Python baseline didn't run, when it didn't.</summary>
internal sealed record HostBenchmarkResult(int StepsPerEpisode, ThroughputResult Direct, IReadOnlyList<ThroughputResult> Host, double HostOverheadMicrosecondsPerStep,
    ThroughputResult? Python, string? PythonFailure)
{
    /// <summary>The host row the target is about (concurrency 64).</summary>
    public ThroughputResult? AtTarget => Host.FirstOrDefault(h => h.Concurrency == HostBenchmark.TargetConcurrency);
}
