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

        [CommandOption("--repeats <N>")]
        [Description("Timed rounds per measurement, after one untimed round; the median counts (a round disturbed by other work on shared cores does not). Default 5.")]
        public int Repeats { get; init; } = 5;

        [CommandOption("--env <ID>")]
        [Description("The environment (run by its scripted solver). Default bench/latency (a tool with a fixed 20 ms latency).")]
        public string Environment { get; init; } = "bench/latency";

        [CommandOption("--json")]
        [Description("Print the results as JSON.")]
        public bool Json { get; init; }

        public override ValidationResult Validate() =>
            Episodes < 1 ? ValidationResult.Error("--episodes must be at least 1")
            : Repeats is < 1 or > 100 ? ValidationResult.Error("--repeats must be between 1 and 100")
            : Capacity is < 1 or > 10_000 ? ValidationResult.Error("--capacity must be between 1 and 10000")
            : !Workers.Split(',').All(w => int.TryParse(w, out var n) && n is >= 1 and <= 64) ? ValidationResult.Error("--workers must be a comma-separated list of counts between 1 and 64")
            : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var counts = settings.Workers.Split(',').Select(int.Parse).Distinct().Order().ToList();
        var loadBefore = LoadAverage();
        var bench = new ClusterBenchmark(settings.Environment, settings.Episodes, settings.Capacity, settings.Repeats);
        var rows = await bench.RunAsync(counts, settings.Json ? null : step => Console.Error.WriteLine($"bench cluster: {step}…"), cancellationToken);
        var inProcess = rows[0];
        var one = rows[1];
        // Scaling efficiency round by round (the rows' round i ran in one pass, under one load), the median counts.
        List<double> EfficiencyRounds(ClusterBenchRow r) => [.. r.Rounds.Zip(one.Rounds, (x, y) => x.EpisodesPerSecond / (r.Workers * y.EpisodesPerSecond / one.Workers))];
        double Efficiency(ClusterBenchRow r) => EfficiencyRounds(r).Order().ElementAt(r.Rounds.Count / 2);
        // Measured per episode: the driver's call time less the episode's duration on the worker, on one worker.
        var overheadMs = one.OverheadMs ?? 0;
        // Derived from throughput: slot time each episode spends on a one-worker cluster beyond what it spends in one process at the same concurrency.
        var slotOverheadMs = (one.Concurrency / one.EpisodesPerSecond - inProcess.Concurrency / inProcess.EpisodesPerSecond) * 1000;
        var largest = rows.Where(r => r.Run == "cluster").MaxBy(r => r.Workers)!;
        var atFour = rows.FirstOrDefault(r => r.Run == "cluster" && r.Workers == 4);
        var loadAfter = LoadAverage();

        if (settings.Json)
        {
            JsonOutput.Write(new
            {
                environment = settings.Environment, episodes = settings.Episodes, capacity_per_worker = settings.Capacity, processors = Environment.ProcessorCount,
                repeats = settings.Repeats, load_average = new { before = loadBefore, after = loadAfter },
                runs = rows.Select(r => new
                {
                    run = r.Run, workers = r.Workers, concurrency = r.Concurrency, episodes = r.Episodes, errored = r.Errored, episodes_per_second = r.EpisodesPerSecond,
                    rounds_episodes_per_second = r.Rounds.Select(x => x.EpisodesPerSecond), efficiency = r.Run == "cluster" ? Efficiency(r) : (double?)null,
                    efficiency_rounds = r.Run == "cluster" ? EfficiencyRounds(r) : null,
                    dispatch_overhead_ms = r.OverheadMs, dispatch_overhead_p99_ms = r.OverheadP99Ms,
                }),
                efficiency_at_4 = atFour is null ? (double?)null : Efficiency(atFour),
                efficiency_at_largest = Efficiency(largest), largest_workers = largest.Workers,
                dispatch_overhead_ms = overheadMs, dispatch_overhead_p99_ms = one.OverheadP99Ms ?? 0, slot_time_overhead_ms = slotOverheadMs,
            });
            return 0;
        }
        var table = new Table().Title($"forge bench cluster — {Markup.Escape(settings.Environment)}, {settings.Episodes} episodes, {settings.Capacity} at once per worker, {Environment.ProcessorCount} cores; median of {settings.Repeats} rounds after a warm-up (every setup once per round; efficiency round by round); baseline: the same run in this process")
            .AddColumns("run", "workers", "concurrency", "episodes/s", "rounds", "errored", "efficiency", "dispatch ms (mean / p99)");
        foreach (var r in rows)
            table.AddRow(r.Run, r.Workers == 0 ? "-" : $"{r.Workers}", $"{r.Concurrency}", $"{r.EpisodesPerSecond:N1}", string.Join(" ", r.Rounds.Select(x => $"{x.EpisodesPerSecond:N0}")),
                $"{r.Errored}", r.Run == "cluster" ? $"{Efficiency(r):P0}" : "", r.OverheadMs is { } mean ? $"{mean:N2} / {r.OverheadP99Ms:N2}" : "");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"Load average (1 min) before / after: {loadBefore:N2} / {loadAfter:N2}");
        AnsiConsole.MarkupLine($"Dispatch overhead per episode on {one.Workers} worker(s) (call time less the episode's time on the worker): [bold]{overheadMs:N2} ms[/] mean, {one.OverheadP99Ms:N2} ms p99");
        AnsiConsole.MarkupLine($"Slot time per episode, {one.Workers} worker(s) vs in process (both at {one.Concurrency} at once): {slotOverheadMs:N2} ms (throughput difference; noisy on a busy machine)");
        return 0;
    }

    /// <summary>The machine's 1-minute load average (0 where the system doesn't report one).</summary>
    private static double LoadAverage() =>
        File.Exists("/proc/loadavg") && double.TryParse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture, out var load) ? load : 0;
}
