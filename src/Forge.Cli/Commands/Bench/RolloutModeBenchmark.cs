using System.Diagnostics;
using Forge.Host.Registry;
using Forge.Host.Scenarios;
using Forge.Training.Pipeline;
using Forge.Training.Rl;
using Spectre.Console;

namespace Forge.Cli.Commands.Bench;

/// <summary>
/// Wall time of the same number of policy updates with synchronous rollouts (roll out, then update) and asynchronous
/// ones (rollouts go on during updates): same embedded game/vault scenario, same model, back to back in one process.
/// Besides the whole run's wall time it reports the process's CPU time (on a shared machine, how much of the cores the
/// run got) and the time per update once the pipeline is full (after the first update, whose rollouts nothing can
/// overlap). Shared by <c>forge bench train</c> and <c>forge bench rl</c>.
/// </summary>
internal static class RolloutModeBenchmark
{
    /// <summary>One mode's measurement.</summary>
    /// <param name="Mode">Sync or async.</param>
    /// <param name="Updates">Policy updates run.</param>
    /// <param name="Seconds">Wall time of the whole run (policy built, rollouts, updates).</param>
    /// <param name="TrainedEpisodes">Episodes of the groups trained on.</param>
    /// <param name="CpuSeconds">CPU time the process used meanwhile, all threads.</param>
    /// <param name="SteadySecondsPerUpdate">Wall time per update from the end of the first update to the end of the last; null with one update.</param>
    /// <param name="StaleGroups">Groups dropped for being older than <c>max_staleness</c> (rolled out, never trained on).</param>
    internal sealed record Result(RolloutMode Mode, int Updates, double Seconds, double TrainedEpisodes, double CpuSeconds, double? SteadySecondsPerUpdate, int StaleGroups);

    // A 2-layer policy, groups of 8, 4 groups per update, no warm start, no evaluation. The concurrency lets every
    // requested episode run: in async mode two updates' groups (64 episodes) are in flight.
    private const string ScenarioJson = """
        {
          "name": "bench-rl", "seed": 11,
          "environments": [ { "id": "game/vault", "tasks": 200 } ],
          "agent": { "type": "policy" }, "group_size": 8, "concurrency": 64,
          "trainer": { "model": { "d_model": 64, "layers": 2, "heads": 4, "max_seq_len": 384 }, "groups_per_update": 4,
                       "max_new_tokens": 16, "eval_episodes": 0, "checkpoint_every": 0 }
        }
        """;

    /// <summary>
    /// Runs <paramref name="updates"/> updates in sync mode, then in async mode; with <paramref name="model"/>, the policy is
    /// that Hugging Face folder. One untimed sync update runs first, so that the first timed mode does not pay alone for
    /// what a process does once (compiling the code paths, starting libtorch's threads).
    /// </summary>
    public static async Task<IReadOnlyList<Result>> RunAsync(string? registryPath, string device, int updates, Action<string>? progress, CancellationToken cancellationToken,
        string? model = null)
    {
        var registry = EnvironmentRegistry.Load(registryPath ?? EnvironmentRegistry.DefaultPath);
        var scenario = Scenario.Parse(ScenarioJson, "bench-rl (embedded)");
        progress?.Invoke("warm-up: 1 sync update, not timed");
        await RunModeAsync(scenario, registry, device, RolloutMode.Sync, 1, model, cancellationToken).ConfigureAwait(false);
        var results = new List<Result>();
        foreach (var mode in new[] { RolloutMode.Sync, RolloutMode.Async })
        {
            progress?.Invoke($"{mode.ToString().ToLowerInvariant()}: {updates} updates");
            results.Add(await RunModeAsync(scenario, registry, device, mode, updates, model, cancellationToken).ConfigureAwait(false));
        }
        return results;
    }

    private static async Task<Result> RunModeAsync(Scenario scenario, EnvironmentRegistry registry, string device, RolloutMode mode, int updates, string? model,
        CancellationToken cancellationToken)
    {
        var options = TrainerOptions.FromJson(scenario.Trainer, scenario.Path);
        options.Mode = mode;
        options.Updates = updates;
        options.ModelFrom = model;
        var output = Path.Combine(Path.GetTempPath(), $"forge-bench-rl-{Guid.NewGuid():n}");
        try
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var result = await TrainingRun.RunAsync(new TrainingSetup
            {
                Scenario = scenario, Registry = registry, Options = options, OutputDirectory = output, Device = device, TensorBoard = false,
            }, cancellationToken).ConfigureAwait(false);
            var seconds = clock.Elapsed.TotalSeconds;
            var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            var rows = result.Rows.Where(r => r.Phase == "rl").ToList();
            double? steady = rows.Count > 1 ? (rows[^1].WallSeconds - rows[0].WallSeconds) / (rows.Count - 1) : null;
            return new Result(mode, updates, seconds, rows.Sum(r => r.Episodes), cpuSeconds, steady, rows.Sum(r => r.StaleGroups));
        }
        finally
        {
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        }
    }

    /// <summary>The results as a JSON-ready object.</summary>
    public static object ToJson(IReadOnlyList<Result> results) => new
    {
        updates = results[0].Updates,
        modes = results.Select(r => new
        {
            mode = r.Mode.ToString().ToLowerInvariant(), wall_s = r.Seconds, seconds_per_update = r.Seconds / r.Updates, trained_episodes = r.TrainedEpisodes,
            cpu_s = r.CpuSeconds, steady_seconds_per_update = r.SteadySecondsPerUpdate, stale_groups = r.StaleGroups,
        }),
        async_speedup = results[0].Seconds / results[1].Seconds,
        async_speedup_steady = results[0].SteadySecondsPerUpdate / results[1].SteadySecondsPerUpdate,
    };

    /// <summary>The results as a console table, async beside sync.</summary>
    public static Table ToTable(IReadOnlyList<Result> results)
    {
        var sync = results[0].Seconds;
        var steady = results[0].SteadySecondsPerUpdate;
        // "after 1st": from the end of the first update to the end of the last; "episodes": trained on; "stale": groups dropped as too old.
        var table = new Table().Title("rollouts during updates: sync vs async, same updates")
            .AddColumns("mode", "updates", "wall (s)", "s/update", "vs sync", "s/update after 1st", "vs sync", "CPU (s)", "episodes", "stale");
        foreach (var r in results)
            table.AddRow(r.Mode.ToString().ToLowerInvariant(), r.Updates.ToString(), $"{r.Seconds:0.0}", $"{r.Seconds / r.Updates:0.00}", $"{sync / r.Seconds:0.00}×",
                r.SteadySecondsPerUpdate is { } s ? $"{s:0.00}" : "–", steady / r.SteadySecondsPerUpdate is { } x ? $"{x:0.00}×" : "–",
                $"{r.CpuSeconds:0.0}", $"{r.TrainedEpisodes:0}", r.StaleGroups.ToString());
        return table;
    }
}
