using System.ComponentModel;
using Forge.Cli.Commands.Bench;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Train;

/// <summary>
/// <c>forge bench rl</c>: wall time of the same number of policy updates with synchronous rollouts (roll out, then update)
/// and asynchronous ones (rollouts go on during updates), same scenario, same model, measured back to back in one run
/// (<see cref="RolloutModeBenchmark"/>; <c>forge bench train</c> prints the same comparison after its throughput table).
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

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var progress = settings.Json ? null : new Action<string>(line => AnsiConsole.MarkupLineInterpolated($"[grey]… {line}[/]"));
        var results = await RolloutModeBenchmark.RunAsync(settings.Registry, settings.Device, settings.Updates, progress, cancellationToken);
        if (settings.Json)
            Run.JsonOutput.Write(RolloutModeBenchmark.ToJson(results));
        else
            AnsiConsole.Write(RolloutModeBenchmark.ToTable(results));
        return 0;
    }
}
