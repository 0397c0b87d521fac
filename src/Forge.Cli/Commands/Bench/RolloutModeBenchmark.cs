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
/// Shared by <c>forge bench train</c> and <c>forge bench rl</c>.
/// </summary>
internal static class RolloutModeBenchmark
{
    /// <summary>One mode's measurement.</summary>
    internal sealed record Result(RolloutMode Mode, int Updates, double Seconds, double TrainedEpisodes);

    // A 2-layer policy, groups of 8, 4 groups per update, no warm start, no evaluation.
    private const string ScenarioJson = """
        {
          "name": "bench-rl", "seed": 11,
          "environments": [ { "id": "game/vault", "tasks": 200 } ],
          "agent": { "type": "policy" }, "group_size": 8, "concurrency": 32,
          "trainer": { "model": { "d_model": 64, "layers": 2, "heads": 4, "max_seq_len": 384 }, "groups_per_update": 4,
                       "max_new_tokens": 16, "eval_episodes": 0, "checkpoint_every": 0 }
        }
        """;

    /// <summary>Runs <paramref name="updates"/> updates in sync mode, then in async mode; with <paramref name="model"/>, the policy is that Hugging Face folder.</summary>
    public static async Task<IReadOnlyList<Result>> RunAsync(string? registryPath, string device, int updates, Action<string>? progress, CancellationToken cancellationToken,
        string? model = null)
    {
        var registry = EnvironmentRegistry.Load(registryPath ?? EnvironmentRegistry.DefaultPath);
        var scenario = Scenario.Parse(ScenarioJson, "bench-rl (embedded)");
        var results = new List<Result>();
        foreach (var mode in new[] { RolloutMode.Sync, RolloutMode.Async })
        {
            var options = TrainerOptions.FromJson(scenario.Trainer, scenario.Path);
            options.Mode = mode;
            options.Updates = updates;
            options.ModelFrom = model;
            var output = Path.Combine(Path.GetTempPath(), $"forge-bench-rl-{Guid.NewGuid():n}");
            try
            {
                progress?.Invoke($"{mode.ToString().ToLowerInvariant()}: {updates} updates");
                var clock = Stopwatch.StartNew();
                var result = await TrainingRun.RunAsync(new TrainingSetup
                {
                    Scenario = scenario, Registry = registry, Options = options, OutputDirectory = output, Device = device, TensorBoard = false,
                }, cancellationToken).ConfigureAwait(false);
                results.Add(new Result(mode, updates, clock.Elapsed.TotalSeconds, result.Rows.Where(r => r.Phase == "rl").Sum(r => r.Episodes)));
            }
            finally
            {
                if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
            }
        }
        return results;
    }

    /// <summary>The results as a JSON-ready object.</summary>
    public static object ToJson(IReadOnlyList<Result> results) => new
    {
        updates = results[0].Updates,
        modes = results.Select(r => new
        {
            mode = r.Mode.ToString().ToLowerInvariant(), wall_s = r.Seconds, seconds_per_update = r.Seconds / r.Updates, trained_episodes = r.TrainedEpisodes,
        }),
        async_speedup = results[0].Seconds / results[1].Seconds,
    };

    /// <summary>The results as a console table, async beside sync.</summary>
    public static Table ToTable(IReadOnlyList<Result> results)
    {
        var sync = results[0].Seconds;
        var table = new Table().Title("rollouts during updates: sync vs async, same updates")
            .AddColumns("mode", "updates", "wall time (s)", "s / update", "episodes trained on", "vs sync");
        foreach (var r in results)
            table.AddRow(r.Mode.ToString().ToLowerInvariant(), r.Updates.ToString(), $"{r.Seconds:0.0}", $"{r.Seconds / r.Updates:0.00}", $"{r.TrainedEpisodes:0}", $"{sync / r.Seconds:0.00}×");
        return table;
    }
}
