using System.ComponentModel;
using System.Diagnostics;
using Forge.Host.Registry;
using Forge.Host.Scenarios;
using Forge.Training.Pipeline;
using Forge.Training.Rl;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Train;

/// <summary>
/// <c>forge bench rl</c>: wall time of the same number of policy updates with synchronous rollouts (roll out, then update)
/// and asynchronous ones (rollouts go on during updates), same scenario, same model, measured back to back in one run.
/// </summary>
internal sealed class BenchRlCommand : AsyncCommand<BenchRlCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--updates <N>")]
        [Description("Policy updates per mode. Default 8.")]
        public int Updates { get; init; } = 8;

        [CommandOption("--device <DEVICE>")]
        [Description("auto, cpu, cuda or cuda:N. Default auto.")]
        public string Device { get; init; } = "auto";

        [CommandOption("--registry <FILE>")]
        [Description("The environment registry.")]
        public string? Registry { get; init; }

        [CommandOption("--json")]
        [Description("Print the results as JSON.")]
        public bool Json { get; init; }

        public override ValidationResult Validate() =>
            Updates < 1 ? ValidationResult.Error($"--updates must be ≥ 1 (got {Updates}).") : ValidationResult.Success();
    }

    // The same small game/vault setup for both modes: a 2-layer policy, groups of 8, 4 groups per update, no warm start, no evaluation.
    private const string BenchScenario = """
        {
          "name": "bench-rl", "seed": 11,
          "environments": [ { "id": "game/vault", "tasks": 200 } ],
          "agent": { "type": "policy" }, "group_size": 8, "concurrency": 32,
          "trainer": { "model": { "d_model": 64, "layers": 2, "heads": 4, "max_seq_len": 384 }, "groups_per_update": 4,
                       "max_new_tokens": 16, "eval_episodes": 0, "checkpoint_every": 0 }
        }
        """;

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var registry = EnvironmentRegistry.Load(settings.Registry ?? EnvironmentRegistry.DefaultPath);
        var scenario = Scenario.Parse(BenchScenario, "bench-rl (embedded)");
        var results = new List<(RolloutMode Mode, double Seconds, double Episodes)>();
        foreach (var mode in new[] { RolloutMode.Sync, RolloutMode.Async })
        {
            var options = TrainerOptions.FromJson(scenario.Trainer, scenario.Path);
            options.Mode = mode;
            options.Updates = settings.Updates;
            var output = Path.Combine(Path.GetTempPath(), $"forge-bench-rl-{Guid.NewGuid():n}");
            try
            {
                if (!settings.Json) AnsiConsole.MarkupLine($"[grey]… {mode.ToString().ToLowerInvariant()}: {settings.Updates} updates[/]");
                var clock = Stopwatch.StartNew();
                var result = await TrainingRun.RunAsync(new TrainingSetup
                {
                    Scenario = scenario, Registry = registry, Options = options, OutputDirectory = output, Device = settings.Device, TensorBoard = false,
                }, cancellationToken);
                results.Add((mode, clock.Elapsed.TotalSeconds, result.Rows.Where(r => r.Phase == "rl").Sum(r => r.Episodes)));
            }
            finally
            {
                if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
            }
        }

        var sync = results[0].Seconds;
        if (settings.Json)
        {
            Run.JsonOutput.Write(new
            {
                updates = settings.Updates,
                modes = results.Select(r => new { mode = r.Mode.ToString().ToLowerInvariant(), wall_s = r.Seconds, seconds_per_update = r.Seconds / settings.Updates, trained_episodes = r.Episodes }),
                async_speedup = sync / results[1].Seconds,
            });
            return 0;
        }
        var table = new Table().AddColumns("mode", "updates", "wall time (s)", "s / update", "episodes trained on", "vs sync");
        foreach (var (mode, seconds, episodes) in results)
            table.AddRow(mode.ToString().ToLowerInvariant(), settings.Updates.ToString(), $"{seconds:0.0}", $"{seconds / settings.Updates:0.00}", $"{episodes:0}", $"{sync / seconds:0.00}×");
        AnsiConsole.Write(table);
        return 0;
    }
}
