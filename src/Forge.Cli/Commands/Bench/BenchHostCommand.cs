using System.ComponentModel;
using Forge.Cli.Commands.Run;
using Forge.Host.Recording;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Bench;

/// <summary><c>forge bench host</c>: the episode host's throughput, recording on, and per-step overhead against a direct loop and a bare Python asyncio loop, measured in the same run.</summary>
internal sealed class BenchHostCommand : AsyncCommand<BenchHostCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--json")]
        [Description("Print the results as JSON.")]
        public bool Json { get; init; }

        [CommandOption("--episodes <N>")]
        [Description("Episodes per measurement round (at least 2 × concurrency are run). Default 5000.")]
        public int Episodes { get; init; } = 5000;

        [CommandOption("--steps <K>")]
        [Description("Steps per episode. Default 8.")]
        public int Steps { get; init; } = 8;

        public override ValidationResult Validate() =>
            Episodes < 1 ? ValidationResult.Error("--episodes must be at least 1")
            : Steps is < 1 or > 1000 ? ValidationResult.Error("--steps must be between 1 and 1000")
            : ValidationResult.Success();
    }

    private static readonly int[] ConcurrencyLevels = [1, 2, 64, 1024];

    /// <summary>Steps/s the host should reach at concurrency 64, recording on (issue 13, §4).</summary>
    private const double HostTarget = 300_000;

    /// <summary>How many times faster than JSON lines the log should write and read (issue 10).</summary>
    private const double SpeedupTarget = 3;

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var benchmark = new HostBenchmark(settings.Steps, settings.Episodes);
        var host = await benchmark.RunAsync(ConcurrencyLevels, cancellationToken);
        var trajectories = await benchmark.CollectAsync(Math.Min(settings.Episodes, 2000), cancellationToken);
        var folder = Directory.CreateTempSubdirectory("forge-bench-recorder-");
        RecorderBenchmarkResult recorder;
        try { recorder = await RecorderBenchmark.RunAsync(trajectories, folder.FullName, cancellationToken: cancellationToken); }
        finally { folder.Delete(recursive: true); }
        if (settings.Json)
        {
            JsonOutput.Write(new
            {
                environment = "bench/tick",
                steps_per_episode = host.StepsPerEpisode,
                processors = Environment.ProcessorCount,
                rounds = HostBenchmark.Rounds,
                recording = "trajectory log, each record handed to the OS; the final disk sync is timed apart (sync_seconds)",
                direct = Row(host.Direct),
                host = host.Host.Select(Row),
                host_overhead_us_per_step = host.HostOverheadMicrosecondsPerStep,
                python = host.Python is { } baseline ? Row(baseline) : null,
                python_failure = host.PythonFailure,
                host_target = new
                {
                    concurrency = HostBenchmark.TargetConcurrency,
                    steps_per_second = host.AtTarget?.StepsPerSecond,
                    target = HostTarget,
                    python_steps_per_second = host.Python?.StepsPerSecond,
                },
                recorder = recorder.Rows.Select(r => new
                {
                    format = r.Format,
                    flush_each_record = r.FlushEachRecord,
                    trajectories = recorder.Trajectories,
                    bytes = r.Bytes,
                    write_mb_per_second = r.WriteMBps,
                    read_mb_per_second = r.ReadMBps,
                    write_trajectories_per_second = recorder.PerSecond(r.WriteSeconds),
                    read_trajectories_per_second = recorder.PerSecond(r.ReadSeconds),
                }),
                recorder_speedup = new[] { true, false }.Select(flush => new
                {
                    flush_each_record = flush,
                    write = recorder.WriteSpeedup(flush),
                    read = recorder.ReadSpeedup(flush),
                    target = SpeedupTarget,
                }),
            });
            return 0;
        }

        var table = new Table().Title($"forge bench host — bench/tick, {host.StepsPerEpisode} steps per episode, {host.Direct.Episodes} episodes a round (2 × concurrency if more), {Environment.ProcessorCount} cores, best of {HostBenchmark.Rounds} rounds. "
                + "Host rows record every trajectory (the final disk sync timed apart, in ms); baselines: the same environment and agent in a plain loop, nothing recorded, and a bare Python asyncio loop writing JSON lines")
            .AddColumn(new TableColumn("run").NoWrap()).AddColumns("conc.", "eps/s", "steps/s", "µs/step", "CPU µs", "B/step", "sync");
        table.AddRow(Cells("baseline", host.Direct with { Concurrency = 1 }));
        foreach (var level in host.Host)
            table.AddRow(Cells("host", level));
        if (host.Python is { } python) table.AddRow(Cells("python", python));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"Host overhead per step, recording included (host at concurrency 1 − direct loop): [bold]{host.HostOverheadMicrosecondsPerStep:N2} µs[/]");
        if (host.PythonFailure is { } failure) AnsiConsole.MarkupLine($"[yellow]No Python baseline: {Markup.Escape(failure)}[/]");
        if (host.AtTarget is { } target)
        {
            var met = target.StepsPerSecond >= HostTarget;
            AnsiConsole.MarkupLine($"Host at concurrency {target.Concurrency}, recording on: [bold]{target.StepsPerSecond:N0} steps/s[/]"
                + (host.Python is { } p ? $", the Python loop {p.StepsPerSecond:N0}" : "")
                + (met ? $" [green](target ≥ {HostTarget:N0}: met)[/]" : $" [red](target ≥ {HostTarget:N0}: missed)[/]"));
        }
        AnsiConsole.WriteLine();

        var formats = new Table().Title($"the same {recorder.Trajectories} trajectories written and read back: forge log (MessagePack, CRC-framed) vs JSON lines (System.Text.Json), best of 9")
            .AddColumn(new TableColumn("format").NoWrap()).AddColumns("flush", "MB", "write MB/s", "read MB/s", "write/s", "read/s");
        foreach (var r in recorder.Rows)
            formats.AddRow(Markup.Escape(r.Format), r.FlushEachRecord ? "each" : "none", $"{r.Bytes / 1e6:N1}", $"{r.WriteMBps:N0}", $"{r.ReadMBps:N0}",
                $"{recorder.PerSecond(r.WriteSeconds):N0}", $"{recorder.PerSecond(r.ReadSeconds):N0}");
        AnsiConsole.Write(formats);
        foreach (var flush in new[] { true, false })
        {
            double write = recorder.WriteSpeedup(flush), read = recorder.ReadSpeedup(flush);
            AnsiConsole.MarkupLine($"forge log vs JSON lines, {(flush ? "flushed per record" : "buffered")}: write [bold]{write:N1}×[/], read [bold]{read:N1}×[/] "
                + (write >= SpeedupTarget && read >= SpeedupTarget ? $"[green](target ≥ {SpeedupTarget}×: met)[/]" : $"[red](target ≥ {SpeedupTarget}×: missed)[/]"));
        }
        return 0;
    }

    private static string[] Cells(string run, ThroughputResult r) =>
    [
        run, $"{r.Concurrency}", $"{r.EpisodesPerSecond:N0}", $"{r.StepsPerSecond:N0}", $"{r.MicrosecondsPerStep:N2}",
        $"{r.CpuMicrosecondsPerStep:N2}", r.AllocatedBytesPerStep is { } bytes ? $"{bytes:N0}" : "–", r.SyncSeconds > 0 ? $"{r.SyncSeconds * 1e3:N1}" : "–",
    ];

    private static object Row(ThroughputResult r) => new
    {
        concurrency = r.Concurrency,
        episodes = r.Episodes,
        steps = r.Steps,
        seconds = r.Seconds,
        episodes_per_second = r.EpisodesPerSecond,
        steps_per_second = r.StepsPerSecond,
        us_per_step = r.MicrosecondsPerStep,
        cpu_us_per_step = r.CpuMicrosecondsPerStep,
        allocated_bytes_per_step = r.AllocatedBytesPerStep,
        sync_seconds = r.SyncSeconds,
    };
}
