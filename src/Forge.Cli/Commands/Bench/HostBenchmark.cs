using System.Diagnostics;
using Forge.Core;
using Forge.Host;

namespace Forge.Cli.Commands.Bench;

/// <summary>
/// Measures the episode host with a trivial environment and a scripted agent: episodes/s and steps/s at several
/// concurrency levels, and the host's overhead per step against the same environment and agent called directly in a
/// loop (the baseline), measured in the same run.
/// </summary>
internal sealed class HostBenchmark(int stepsPerEpisode, int episodes)
{
    /// <summary>Each configuration runs this many times, interleaved with the others; the best round counts (robust to a busy machine).</summary>
    public const int Rounds = 3;

    public async Task<HostBenchmarkResult> RunAsync(IReadOnlyList<int> concurrencyLevels, CancellationToken cancellationToken)
    {
        // Warm up both paths (JIT, tool schemas) before timing anything.
        await RunDirectAsync(Math.Min(200, episodes), cancellationToken);
        await RunHostAsync(1, Math.Min(200, episodes), cancellationToken);

        ThroughputResult? direct = null;
        var levels = new ThroughputResult?[concurrencyLevels.Count];
        for (var round = 0; round < Rounds; round++)
        {
            direct = Best(direct, await RunDirectAsync(episodes, cancellationToken));
            for (var i = 0; i < levels.Length; i++)
                levels[i] = Best(levels[i], await RunHostAsync(concurrencyLevels[i], Math.Max(episodes, 2 * concurrencyLevels[i]), cancellationToken));
        }
        var single = levels.FirstOrDefault(l => l!.Concurrency == 1) ?? throw new ArgumentException("The levels must include concurrency 1, the overhead's reference.", nameof(concurrencyLevels));
        return new HostBenchmarkResult(stepsPerEpisode, direct!, [.. levels.Select(l => l!)], single.MicrosecondsPerStep - direct!.MicrosecondsPerStep);
    }

    private static ThroughputResult Best(ThroughputResult? a, ThroughputResult b) => a is null || b.MicrosecondsPerStep < a.MicrosecondsPerStep ? b : a;

    /// <summary>The baseline: reset, then agent.ActAsync → env.StepAsync until done, one episode after another, no host.</summary>
    private async Task<ThroughputResult> RunDirectAsync(int count, CancellationToken cancellationToken)
    {
        var agent = new TickAgent();
        var limits = Limits;
        long steps = 0;
        var clock = Stopwatch.StartNew();
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
        clock.Stop();
        return new ThroughputResult(0, count, steps, clock.Elapsed.TotalSeconds);
    }

    private async Task<ThroughputResult> RunHostAsync(int concurrency, int count, CancellationToken cancellationToken)
    {
        var engine = new RolloutEngine(new RolloutOptions { Concurrency = concurrency, RunId = "bench" }, _ => new TickEnvironment(stepsPerEpisode), new TickAgent());
        var requests = Enumerable.Range(0, count).Select(i => new EpisodeRequest($"e{i}", "bench/tick", new TickTask($"t{i}"), i, $"g{i}") { Limits = Limits });
        var clock = Stopwatch.StartNew();
        var summary = await engine.RunAsync(requests, [], cancellationToken);
        clock.Stop();
        if (summary.Terminations.GetValueOrDefault(Termination.Terminated) != count)
            throw new InvalidOperationException($"The benchmark's episodes did not all terminate normally: {string.Join(", ", summary.Terminations.Select(t => $"{t.Key}={t.Value}"))}.");
        return new ThroughputResult(concurrency, count, summary.Steps, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Trajectories of <paramref name="count"/> episodes (untimed), for the recorder benchmark.</summary>
    public async Task<IReadOnlyList<Trajectory>> CollectAsync(int count, CancellationToken cancellationToken)
    {
        var engine = new RolloutEngine(new RolloutOptions { Concurrency = 64, RunId = "bench" }, _ => new TickEnvironment(stepsPerEpisode), new TickAgent());
        var requests = Enumerable.Range(0, count).Select(i => new EpisodeRequest($"e{i}", "bench/tick", new TickTask($"t{i}"), i, $"g{i}") { Limits = Limits });
        var sink = new ListSink();
        await engine.RunAsync(requests, [sink], cancellationToken);
        return sink.Trajectories;
    }

    private EpisodeLimits Limits => EpisodeLimits.Default with { MaxTurns = stepsPerEpisode + 1 };
}

/// <summary>One measured configuration: episodes at once (0 for the direct baseline), episodes, steps, wall seconds.</summary>
internal sealed record ThroughputResult(int Concurrency, int Episodes, long Steps, double Seconds)
{
    public double EpisodesPerSecond => Episodes / Seconds;
    public double StepsPerSecond => Steps / Seconds;
    public double MicrosecondsPerStep => Seconds * 1e6 / Steps;
}

/// <summary>Everything <c>forge bench host</c> measured.</summary>
internal sealed record HostBenchmarkResult(int StepsPerEpisode, ThroughputResult Direct, IReadOnlyList<ThroughputResult> Host, double HostOverheadMicrosecondsPerStep);
