using System.ComponentModel;
using Forge.Cli.Commands.Run;
using Forge.Core;
using Forge.Host.Registry;
using Forge.Sandbox;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Sandbox;

/// <summary><c>forge bench sandbox</c>: per backend, acquire / cold / warm latencies and coding-episode throughput, beside baselines from the same run.</summary>
internal sealed class BenchSandboxCommand : AsyncCommand<BenchSandboxCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--json")]
        [Description("Print the results as JSON.")]
        public bool Json { get; init; }

        [CommandOption("--backend <NAME>")]
        [Description("local, docker, or all (default: every backend that can isolate code here).")]
        public string Backend { get; init; } = "all";

        [CommandOption("--samples <N>")]
        [Description("Samples per latency measurement (warm runs take twice as many, cold runs a quarter). Default 100.")]
        public int Samples { get; init; } = 100;

        [CommandOption("--episodes <N>")]
        [Description("Coding episodes per throughput measurement. Default 35 (each task once).")]
        public int Episodes { get; init; } = 35;

        public override ValidationResult Validate() =>
            Samples < 4 ? ValidationResult.Error("--samples must be at least 4")
            : Episodes < 1 ? ValidationResult.Error("--episodes must be at least 1")
            : Backend is not ("all" or "local" or "docker") ? ValidationResult.Error("--backend must be local, docker or all")
            : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var backends = settings.Backend == "all"
            ? SandboxProviders.Diagnose().Where(b => b.Isolated).Select(b => b.Backend).ToList()
            : [settings.Backend];
        if (backends.Count == 0) throw new ArgumentException("No sandbox backend can isolate code on this machine; see forge sandbox doctor.");
        var coding = EnvironmentRegistry.LoadDefault().Get("code/python-functions");
        var benchmark = new SandboxBenchmark(settings.Samples, settings.Episodes);
        var results = new List<BackendResult>();
        var dockerBaselines = new List<Latency>();
        try
        {
            foreach (var backend in backends)
            {
                await using var provider = SandboxProviders.Create(new SandboxOptions { Backend = backend, PoolSize = 8 });
                results.Add(await benchmark.MeasureAsync(provider, coding, cancellationToken));
                if (provider is Forge.Sandbox.Docker.DockerSandboxProvider docker)
                    dockerBaselines.AddRange(await DockerBaselines.MeasureAsync(docker, settings.Samples, cancellationToken));
            }
        }
        catch (SandboxException e)
        {
            Console.Error.WriteLine($"forge: {e.Message}");
            return CliErrors.BadInput;
        }
        var baselines = new List<Latency> { await benchmark.HostPythonAsync(cancellationToken) };
        baselines.AddRange(dockerBaselines);

        if (settings.Json)
        {
            JsonOutput.Write(new
            {
                processors = Environment.ProcessorCount,
                backends = results.Select(r => new
                {
                    backend = r.Backend,
                    isolated = r.Isolation.Isolated,
                    acquire_ms = Ms(r.Acquire),
                    cold_print_ms = Ms(r.Cold),
                    warm_print_ms = Ms(r.Warm),
                    episodes = r.Episodes.Select(e => new { concurrency = e.Concurrency, episodes = e.Episodes, episodes_per_second = Math.Round(e.EpisodesPerSecond, 2), mean_unit_tests = e.MeanUnitTests }),
                }),
                baselines = baselines.Select(b => new { name = b.Name, ms = Ms(b) }),
            });
            return 0;
        }

        var table = new Table().Title($"forge bench sandbox — {Environment.ProcessorCount} cores").AddColumns("backend", "measure", "samples", "p50 ms", "p99 ms", "mean ms");
        foreach (var r in results)
            foreach (var l in new[] { r.Acquire, r.Cold, r.Warm })
                table.AddRow(r.Backend, l.Name, $"{l.Samples}", $"{l.P50:0.00}", $"{l.P99:0.00}", $"{l.Mean:0.00}");
        foreach (var b in baselines)
            table.AddRow("baseline", Markup.Escape(b.Name), $"{b.Samples}", $"{b.P50:0.00}", $"{b.P99:0.00}", $"{b.Mean:0.00}");
        AnsiConsole.Write(table);

        var episodes = new Table().Title("code/python-functions, scripted solver, through the rollout engine").AddColumns("backend", "concurrency", "episodes", "episodes/s", "mean unit_tests");
        foreach (var r in results)
            foreach (var e in r.Episodes)
                episodes.AddRow(r.Backend, $"{e.Concurrency}", $"{e.Episodes}", $"{e.EpisodesPerSecond:0.00}", $"{e.MeanUnitTests:0.000}");
        AnsiConsole.Write(episodes);
        return 0;
    }

    private static object Ms(Latency l) => new { samples = l.Samples, p50 = Math.Round(l.P50, 3), p99 = Math.Round(l.P99, 3), mean = Math.Round(l.Mean, 3) };
}
