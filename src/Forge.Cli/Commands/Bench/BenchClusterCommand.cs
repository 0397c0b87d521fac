using System.ComponentModel;
using Forge.Cli.Commands.Run;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Bench;

/// <summary>
/// <c>forge bench cluster</c>: episodes/s of the same scripted run in this process and on 1..N local workers, the
/// in-process run as the baseline in the same invocation; scaling efficiency and dispatch overhead per episode.
/// </summary>
internal sealed class BenchClusterCommand : AsyncCommand<BenchClusterCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--workers <LIST>")]
        [Description("Worker counts to measure, comma-separated. Default 1,2,4.")]
        public string Workers { get; init; } = "1,2,4";

        [CommandOption("--episodes <N>")]
        [Description("Episodes per measurement. Default 1000.")]
        public int Episodes { get; init; } = 1000;

        [CommandOption("--capacity <N>")]
        [Description("Episodes at once per worker (and for the in-process baseline). Default 16.")]
        public int Capacity { get; init; } = 16;

        [CommandOption("--env <ID>")]
        [Description("The environment (run by its scripted solver). Default bench/latency (a tool with a fixed 20 ms latency).")]
        public string Environment { get; init; } = "bench/latency";

        [CommandOption("--json")]
        [Description("Print the results as JSON.")]
        public bool Json { get; init; }

        public override ValidationResult Validate() =>
            Episodes < 1 ? ValidationResult.Error("--episodes must be at least 1")
            : Capacity is < 1 or > 10_000 ? ValidationResult.Error("--capacity must be between 1 and 10000")
            : !Workers.Split(',').All(w => int.TryParse(w, out var n) && n is >= 1 and <= 64) ? ValidationResult.Error("--workers must be a comma-separated list of counts between 1 and 64")
            : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var counts = settings.Workers.Split(',').Select(int.Parse).Distinct().Order().ToList();
        var bench = new ClusterBenchmark(settings.Environment, settings.Episodes, settings.Capacity);
        var inProcess = await bench.InProcessAsync(settings.Capacity, cancellationToken);
        var rows = new List<ClusterBenchRow> { inProcess };
        foreach (var n in counts)
        {
            if (n > 1) rows.Add(await bench.InProcessAsync(settings.Capacity * n, cancellationToken));
            rows.Add(await bench.ClusterAsync(n, cancellationToken));
        }
        var one = rows.First(r => r.Workers == 1 || (r.Workers == counts[0] && r.Run == "cluster"));
        double Efficiency(ClusterBenchRow r) => r.EpisodesPerSecond / (r.Workers * one.EpisodesPerSecond / one.Workers);
        // Slot time each episode spends on a one-worker cluster beyond what it spends in one process at the same concurrency.
        var overheadMs = (settings.Capacity / one.EpisodesPerSecond - settings.Capacity / inProcess.EpisodesPerSecond) * 1000;
        var largest = rows.Where(r => r.Run == "cluster").MaxBy(r => r.Workers)!;

        if (settings.Json)
        {
            JsonOutput.Write(new
            {
                environment = settings.Environment, episodes = settings.Episodes, capacity_per_worker = settings.Capacity, processors = Environment.ProcessorCount,
                runs = rows.Select(r => new { run = r.Run, workers = r.Workers, concurrency = r.Concurrency, episodes = r.Episodes, errored = r.Errored, seconds = r.Seconds, episodes_per_second = r.EpisodesPerSecond, efficiency = r.Run == "cluster" ? Efficiency(r) : (double?)null }),
                efficiency_at_largest = Efficiency(largest), largest_workers = largest.Workers,
                dispatch_overhead_ms = overheadMs,
            });
            return 0;
        }
        var table = new Table().Title($"forge bench cluster — {Markup.Escape(settings.Environment)}, {settings.Episodes} episodes, {settings.Capacity} at once per worker, {Environment.ProcessorCount} cores; baseline: the same run in this process")
            .AddColumns("run", "workers", "concurrency", "episodes/s", "errored", "efficiency");
        foreach (var r in rows)
            table.AddRow(r.Run, r.Workers == 0 ? "-" : $"{r.Workers}", $"{r.Concurrency}", $"{r.EpisodesPerSecond:N1}", $"{r.Errored}", r.Run == "cluster" ? $"{Efficiency(r):P0}" : "");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"Dispatch overhead per episode (1 worker vs in process, both at {settings.Capacity} at once): [bold]{overheadMs:N2} ms[/]");
        return 0;
    }
}
