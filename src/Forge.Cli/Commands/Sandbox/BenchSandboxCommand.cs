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
        var episodeBaselines = new List<(string Name, IReadOnlyList<(int Concurrency, int Episodes, double EpisodesPerSecond, double MeanUnitTests)> Rates)>();
        (int Created, int Resets)? reuse = null;
        try
        {
            foreach (var backend in backends)
            {
                await using var provider = SandboxProviders.Create(new SandboxOptions { Backend = backend, PoolSize = 8 });
                results.Add(await benchmark.MeasureAsync(provider, coding, cancellationToken));
                if (provider is Forge.Sandbox.Docker.DockerSandboxProvider docker)
                {
                    dockerBaselines.AddRange(await DockerBaselines.MeasureAsync(docker, settings.Samples, cancellationToken));
                    reuse = (docker.ContainersCreated, docker.ContainerResets);
                    // The same episodes with a new container for each (no reset, no reuse): what reusing containers gains.
                    await using var fresh = new Forge.Sandbox.Docker.DockerSandboxProvider(new SandboxOptions { Backend = backend, PoolSize = 8 },
                        new Forge.Sandbox.Docker.DockerSandboxSettings { ReuseContainers = false });
                    await fresh.WaitForPoolAsync(cancellationToken);
                    episodeBaselines.Add(("docker, a new container per episode", await benchmark.EpisodeRatesAsync(fresh, coding, cancellationToken)));
                }
            }
        }
        catch (SandboxException e)
        {
            Console.Error.WriteLine($"forge: {e.Message}");
            return CliErrors.BadInput;
        }
        var baselines = new List<Latency> { await benchmark.HostPythonAsync(cancellationToken) };
        if (backends.Contains("local"))
        {
            // The same launcher, pool and driver without namespaces: what isolation itself costs, measured in this run.
            await using var bare = Forge.Sandbox.Local.LocalSandboxProvider.CreateWithoutIsolation(new SandboxOptions { PoolSize = 8, AllowUnisolated = true });
            var unisolated = await benchmark.MeasureLatenciesAsync(bare, cancellationToken);
            baselines.AddRange(unisolated.Select(l => l with { Name = $"local without namespaces: {l.Name}" }));
        }
        baselines.AddRange(dockerBaselines);
        var load = LoadAverage();

        if (settings.Json)
        {
            JsonOutput.Write(new
            {
                processors = Environment.ProcessorCount,
                load_average = load,
                backends = results.Select(r => new
                {
                    backend = r.Backend,
                    isolated = r.Isolation.Isolated,
                    acquire_ms = Ms(r.Acquire),
                    cold_print_ms = Ms(r.Cold),
                    warm_print_ms = Ms(r.Warm),
                    reset_ms = r.Reset is { } reset ? Ms(reset) : null,
                    episodes = r.Episodes.Select(e => new { concurrency = e.Concurrency, episodes = e.Episodes, episodes_per_second = Math.Round(e.EpisodesPerSecond, 2), mean_unit_tests = e.MeanUnitTests }),
                }),
                baselines = baselines.Select(b => new { name = b.Name, ms = Ms(b) }),
                episode_baselines = episodeBaselines.Select(b => new
                {
                    name = b.Name,
                    episodes = b.Rates.Select(e => new { concurrency = e.Concurrency, episodes = e.Episodes, episodes_per_second = Math.Round(e.EpisodesPerSecond, 2), mean_unit_tests = e.MeanUnitTests }),
                }),
                docker_containers = reuse is { } r ? new { created = r.Created, resets = r.Resets } : null,
            });
            return 0;
        }

        var table = new Table().Title($"forge bench sandbox — {Environment.ProcessorCount} cores, load average {load}").AddColumns("backend", "measure", "samples", "p50 ms", "p99 ms", "mean ms");
        foreach (var r in results)
            foreach (var l in new[] { r.Acquire, r.Cold, r.Warm, r.Reset }.OfType<Latency>())
                table.AddRow(r.Backend, l.Name, $"{l.Samples}", $"{l.P50:0.00}", $"{l.P99:0.00}", $"{l.Mean:0.00}");
        foreach (var b in baselines)
            table.AddRow("baseline", Markup.Escape(b.Name), $"{b.Samples}", $"{b.P50:0.00}", $"{b.P99:0.00}", $"{b.Mean:0.00}");
        AnsiConsole.Write(table);

        var episodes = new Table().Title("code/python-functions, scripted solver, through the rollout engine").AddColumns("backend", "concurrency", "episodes", "episodes/s", "mean unit_tests");
        foreach (var r in results)
            foreach (var e in r.Episodes)
                episodes.AddRow(r.Backend, $"{e.Concurrency}", $"{e.Episodes}", $"{e.EpisodesPerSecond:0.00}", $"{e.MeanUnitTests:0.000}");
        foreach (var b in episodeBaselines)
            foreach (var e in b.Rates)
                episodes.AddRow($"baseline: {Markup.Escape(b.Name)}", $"{e.Concurrency}", $"{e.Episodes}", $"{e.EpisodesPerSecond:0.00}", $"{e.MeanUnitTests:0.000}");
        AnsiConsole.Write(episodes);
        if (reuse is { } counts)
            AnsiConsole.MarkupLine($"docker: {counts.Created} containers created, {counts.Resets} reset for another episode");
        return 0;
    }

    /// <summary>The 1-minute load average when the run ended (latencies on a busy machine mean little without it).</summary>
    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static object Ms(Latency l) => new { samples = l.Samples, p50 = Math.Round(l.P50, 3), p99 = Math.Round(l.P99, 3), mean = Math.Round(l.Mean, 3) };
}
