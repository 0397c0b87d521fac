using System.ComponentModel;
using Forge.Cli.Commands.Run;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Bench;

/// <summary><c>forge bench view</c>: how fast the viewer opens and filters a large log, and reads one episode from it, against the targets.</summary>
internal sealed class BenchViewCommand : AsyncCommand<BenchViewCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--episodes <N>")]
        [Description("Episodes in the log. Default 100000.")]
        public int Episodes { get; init; } = 100_000;

        [CommandOption("--json")]
        [Description("Print the results as JSON.")]
        public bool Json { get; init; }

        public override ValidationResult Validate() =>
            Episodes is < 1 or > 10_000_000 ? ValidationResult.Error("--episodes must be between 1 and 10000000") : ValidationResult.Success();
    }

    /// <summary>Open and filter a log on a fresh viewer (index on disk), in milliseconds.</summary>
    private const double OpenTargetMs = 2000;

    /// <summary>Read one random episode by its number through the index, in milliseconds.</summary>
    private const double LookupTargetMs = 5;

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (!settings.Json) AnsiConsole.MarkupLine($"[grey]writing a {settings.Episodes:N0}-episode log, then timing the viewer on it…[/]");
        var r = await new ViewerBenchmark(settings.Episodes).RunAsync(cancellationToken);
        if (settings.Json)
        {
            JsonOutput.Write(new
            {
                episodes = r.Episodes, log_bytes = r.LogBytes, index_bytes = r.IndexBytes, processors = Environment.ProcessorCount,
                write_ms = r.WriteMs, cold_open_and_filter_ms = r.ColdOpenAndFilterMs, open_and_filter_ms = r.OpenAndFilterMs,
                open_and_filter_target_ms = OpenTargetMs, filter_ms = r.FilterMs, matched = r.Matched,
                lookup_mean_ms = r.LookupMeanMs, lookup_p99_ms = r.LookupP99Ms, lookup_target_ms = LookupTargetMs, page_lookup_mean_ms = r.PageLookupMeanMs,
            });
            return 0;
        }
        var table = new Table().Title($"forge bench view — {r.Episodes:N0} episodes, log {r.LogBytes / 1e6:N0} MB, index {r.IndexBytes / 1e6:N1} MB, {Environment.ProcessorCount} cores")
            .AddColumns("measurement", "ms", "target");
        table.AddRow("write the log (buffered)", $"{r.WriteMs:N0}", "");
        table.AddRow("fresh viewer, no index: open (index built) + filter", $"{r.ColdOpenAndFilterMs:N0}", "");
        table.AddRow($"fresh viewer, index on disk: open + filter ({r.Matched:N0} match)", $"{r.OpenAndFilterMs:N0}", Verdict(r.OpenAndFilterMs, OpenTargetMs));
        table.AddRow("another filter on the open log", $"{r.FilterMs:N1}", "");
        table.AddRow("random episode by number from the index (mean)", $"{r.LookupMeanMs:N3}", Verdict(r.LookupMeanMs, LookupTargetMs));
        table.AddRow("random episode by number from the index (p99)", $"{r.LookupP99Ms:N3}", Verdict(r.LookupP99Ms, LookupTargetMs));
        table.AddRow("random episode page through the API (mean)", $"{r.PageLookupMeanMs:N2}", "");
        AnsiConsole.Write(table);
        return 0;
    }

    private static string Verdict(double ms, double target) => ms < target ? $"[green]< {target:N0}: met[/]" : $"[red]< {target:N0}: missed[/]";
}
