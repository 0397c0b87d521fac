using System.ComponentModel;
using Forge.Cli.Commands.Run;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Bench;

/// <summary><c>forge bench host</c>: the episode host's throughput and per-step overhead against a direct loop, measured in the same run.</summary>
internal sealed class BenchHostCommand : AsyncCommand<BenchHostCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--json")]
        [Description("Print the results as JSON.")]
        public bool Json { get; init; }

        [CommandOption("--episodes <N>")]
        [Description("Episodes per measurement (at least 4 × concurrency are run). Default 4000.")]
        public int Episodes { get; init; } = 4000;

        [CommandOption("--steps <K>")]
        [Description("Steps per episode. Default 8.")]
        public int Steps { get; init; } = 8;

        public override ValidationResult Validate() =>
            Episodes < 1 ? ValidationResult.Error("--episodes must be at least 1")
            : Steps is < 1 or > 1000 ? ValidationResult.Error("--steps must be between 1 and 1000")
            : ValidationResult.Success();
    }

    private static readonly int[] ConcurrencyLevels = [1, 2, 64, 1024];

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var host = await new HostBenchmark(settings.Steps, settings.Episodes).RunAsync(ConcurrencyLevels, cancellationToken);
        if (settings.Json)
        {
            JsonOutput.Write(new
            {
                environment = "bench/tick",
                steps_per_episode = host.StepsPerEpisode,
                processors = Environment.ProcessorCount,
                direct = Row(host.Direct),
                host = host.Host.Select(Row),
                host_overhead_us_per_step = host.HostOverheadMicrosecondsPerStep,
            });
            return 0;
        }

        var table = new Table().Title($"forge bench host — bench/tick, {host.StepsPerEpisode} steps per episode, {Environment.ProcessorCount} cores")
            .AddColumns("run", "concurrency", "episodes", "episodes/s", "steps/s", "µs/step");
        table.AddRow("direct loop (baseline)", "1", $"{host.Direct.Episodes}", $"{host.Direct.EpisodesPerSecond:N0}", $"{host.Direct.StepsPerSecond:N0}", $"{host.Direct.MicrosecondsPerStep:N2}");
        foreach (var level in host.Host)
            table.AddRow("host", $"{level.Concurrency}", $"{level.Episodes}", $"{level.EpisodesPerSecond:N0}", $"{level.StepsPerSecond:N0}", $"{level.MicrosecondsPerStep:N2}");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"Host overhead per step (host at concurrency 1 − direct loop): [bold]{host.HostOverheadMicrosecondsPerStep:N2} µs[/]");
        return 0;
    }

    private static object Row(ThroughputResult r) => new
    {
        concurrency = r.Concurrency,
        episodes = r.Episodes,
        steps = r.Steps,
        seconds = r.Seconds,
        episodes_per_second = r.EpisodesPerSecond,
        steps_per_second = r.StepsPerSecond,
        us_per_step = r.MicrosecondsPerStep,
    };
}
