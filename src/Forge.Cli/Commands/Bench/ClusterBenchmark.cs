using System.Diagnostics;
using Forge.Cli.Commands.Run;
using Forge.Cluster;
using Forge.Cluster.Dispatch;
using Forge.Host;
using Forge.Host.Registry;
using Forge.Host.Scenarios;

namespace Forge.Cli.Commands.Bench;

/// <summary>
/// Episodes per second of one scenario run in this process and on 1..N local workers (each a <c>forge worker</c> process
/// under localhost clustering on ports of its own), with the same per-worker concurrency. Workers are started before
/// and stopped after each measurement, outside the timed part. Every measurement is steady state, as in a long run: one
/// untimed round of the whole run first (the worker processes are new, so their code is compiled then), then
/// <c>repeats</c> timed rounds, of which the median counts.
/// </summary>
internal sealed class ClusterBenchmark(string environmentId, int episodes, int capacity, int repeats)
{
    private readonly EnvironmentRegistry _registry = EnvironmentRegistry.LoadDefault();

    private string ScenarioJson => $$"""{ "name": "bench-cluster", "environments": [ { "id": "{{environmentId}}", "tasks": {{episodes}} } ], "agent": { "type": "scripted" } }""";

    private Scenario Scenario => Scenario.Parse(ScenarioJson, "bench-cluster.json");

    /// <summary>The whole run in this process at <paramref name="concurrency"/> (no recording: the sinks are the same in both).</summary>
    public async Task<ClusterBenchRow> InProcessAsync(int concurrency, CancellationToken cancellationToken)
    {
        var scenario = Scenario;
        var requests = scenario.ExpandRequests(_registry);
        await using var sandboxes = scenario.CreateSandboxes(_registry);
        var engine = new RolloutEngine(new RolloutOptions { Concurrency = concurrency, RunId = "bench-cluster" }, id => _registry.Get(id).Create(), AgentFactory.Create(scenario, _registry), sandboxes);
        var rounds = await RoundsAsync(async () => (await engine.RunAsync(requests, [], cancellationToken), null));
        return new ClusterBenchRow("in process", 0, concurrency, rounds);
    }

    /// <summary>The whole run dispatched to <paramref name="workers"/> fresh worker processes of the capacity given.</summary>
    public async Task<ClusterBenchRow> ClusterAsync(int workers, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("forge-bench-cluster-");
        var clusterFile = Path.Combine(directory.FullName, "cluster.json");
        var (silo, gateway) = (FreePort(), FreePort());
        await File.WriteAllTextAsync(clusterFile, $$"""{ "membership": "localhost", "cluster_id": "bench-{{Guid.NewGuid():n}}", "in_flight_per_worker": {{capacity}}, "primary_silo_port": {{silo}}, "primary_gateway_port": {{gateway}} }""", cancellationToken);
        var scenarioFile = Path.Combine(directory.FullName, "bench-cluster.json");
        await File.WriteAllTextAsync(scenarioFile, ScenarioJson, cancellationToken);
        var processes = new List<Process>();
        try
        {
            // The primary first: the others join it.
            processes.Add(await StartWorkerAsync(clusterFile, cancellationToken));
            processes.AddRange(await Task.WhenAll(Enumerable.Range(1, workers - 1).Select(_ => StartWorkerAsync(clusterFile, cancellationToken))));
            var options = ClusterOptions.FromArgument(clusterFile);
            await using var connection = await ClusterConnection.ConnectAsync(options, cancellationToken);
            while ((await connection.ActiveWorkersAsync()).Count < workers) await Task.Delay(100, cancellationToken);
            var scenario = Scenario.Load(scenarioFile);
            var spec = new RunSpec { RunKey = "", RunId = "bench-cluster", ScenarioJson = ScenarioJson, ScenarioPath = scenarioFile };
            var requests = scenario.ExpandRequests(_registry);
            // Each round is a run of its own (prepared on every worker, released at its end), as each rollout phase of training is.
            var rounds = await RoundsAsync(async () =>
            {
                var dispatcher = new ClusterDispatcher(connection, spec with { RunKey = Guid.NewGuid().ToString("n") });
                return (await dispatcher.RunAsync(requests, [], 2 * capacity * workers, cancellationToken), dispatcher.Overhead);
            });
            return new ClusterBenchRow("cluster", workers, capacity * workers, rounds);
        }
        finally
        {
            foreach (var process in processes) Stop(process);
            directory.Delete(recursive: true);
        }
    }

    /// <summary>One untimed round, then <c>repeats</c> timed ones.</summary>
    private async Task<IReadOnlyList<ClusterBenchRound>> RoundsAsync(Func<Task<(RunSummary Summary, DispatchOverhead? Overhead)>> run)
    {
        await run();
        var rounds = new List<ClusterBenchRound>();
        for (var i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            var (summary, overhead) = await run();
            rounds.Add(new ClusterBenchRound(summary.Episodes, clock.Elapsed.TotalSeconds, summary.Terminations.GetValueOrDefault(Core.Termination.Errored),
                overhead?.MeanMs, overhead?.PercentileMs(99)));
        }
        return rounds;
    }

    /// <summary>The .NET setting for how long an idle thread-pool thread spins before it sleeps.</summary>
    internal const string SpinLimitVariable = "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit";

    private async Task<Process> StartWorkerAsync(string clusterFile, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet") start.ArgumentList.Add(typeof(ClusterBenchmark).Assembly.Location);
        foreach (var arg in new[] { "worker", "--cluster", clusterFile, "--capacity", capacity.ToString() }) start.ArgumentList.Add(arg);
        // As the worker image runs workers (deploy/worker/Dockerfile): idle thread-pool threads sleep instead of spinning,
        // which on shared cores takes CPU from the processes that have work.
        start.Environment[SpinLimitVariable] = "0";
        var process = Process.Start(start)!;
        _ = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(120));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            if (line.Contains(" joined cluster ", StringComparison.Ordinal))
            {
                _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
                return process;
            }
        throw new InvalidOperationException($"a bench worker exited ({process.ExitCode}) before joining");
    }

    private static void Stop(Process process)
    {
        if (process.HasExited) { process.Dispose(); return; }
        using (var term = Process.Start("kill", ["-TERM", process.Id.ToString()])!) term.WaitForExit();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30))) process.Kill(entireProcessTree: true);
        process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>One timed round: episodes, seconds, how many ended errored, and on a cluster what dispatching added to each episode (mean, p99).</summary>
internal sealed record ClusterBenchRound(int Episodes, double Seconds, int Errored, double? OverheadMs, double? OverheadP99Ms)
{
    public double EpisodesPerSecond => Episodes / Seconds;
}

/// <summary>One measurement: where the episodes ran, how many at once, and its timed rounds (the median counts).</summary>
internal sealed record ClusterBenchRow(string Run, int Workers, int Concurrency, IReadOnlyList<ClusterBenchRound> Rounds)
{
    /// <summary>The median round's episodes per second.</summary>
    public double EpisodesPerSecond { get; } = Rounds.Select(r => r.EpisodesPerSecond).Order().ElementAt(Rounds.Count / 2);

    public int Episodes => Rounds[0].Episodes;

    public int Errored => Rounds.Sum(r => r.Errored);

    /// <summary>The median round's mean dispatch overhead per episode (null in process).</summary>
    public double? OverheadMs => Median(Rounds.Select(r => r.OverheadMs));

    /// <summary>The median round's 99th percentile of the dispatch overhead (null in process).</summary>
    public double? OverheadP99Ms => Median(Rounds.Select(r => r.OverheadP99Ms));

    private static double? Median(IEnumerable<double?> values)
    {
        var known = values.OfType<double>().Order().ToList();
        return known.Count == 0 ? null : known[known.Count / 2];
    }
}
