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
/// under localhost clustering on ports of its own), with the same per-worker concurrency. Every setup — each in-process
/// concurrency and each cluster, its workers started at the beginning — is ready before anything is timed; then one
/// untimed round of each (the worker processes are new, so their code is compiled then), then <c>repeats</c> timed
/// rounds in which every setup runs the whole scenario once, in the same order. A change in the machine's load thus hits
/// the setups of one round alike, and ratios between setups can be taken round by round. Workers are stopped at the end.
/// </summary>
internal sealed class ClusterBenchmark(string environmentId, int episodes, int capacity, int repeats)
{
    private readonly EnvironmentRegistry _registry = EnvironmentRegistry.LoadDefault();

    private string ScenarioJson => $$"""{ "name": "bench-cluster", "environments": [ { "id": "{{environmentId}}", "tasks": {{episodes}} } ], "agent": { "type": "scripted" } }""";

    private Scenario Scenario => Scenario.Parse(ScenarioJson, "bench-cluster.json");

    /// <summary>
    /// Measures, for each count in <paramref name="workerCounts"/>, the run in this process at that many workers' concurrency
    /// and on a cluster of that many workers; returns the rows in that order (in process, cluster, for each count).
    /// </summary>
    public async Task<IReadOnlyList<ClusterBenchRow>> RunAsync(IReadOnlyList<int> workerCounts, Action<string>? progress, CancellationToken cancellationToken)
    {
        var setups = new List<Setup>();
        try
        {
            foreach (var n in workerCounts)
            {
                setups.Add(InProcess(capacity * n, cancellationToken));
                progress?.Invoke($"starting {n} worker(s)");
                setups.Add(await ClusterAsync(n, cancellationToken));
            }
            progress?.Invoke("warm-up round");
            foreach (var setup in setups) await setup.Round();
            var rounds = setups.Select(_ => new List<ClusterBenchRound>()).ToList();
            for (var i = 0; i < repeats; i++)
            {
                progress?.Invoke($"round {i + 1}/{repeats}");
                for (var k = 0; k < setups.Count; k++)
                {
                    var clock = Stopwatch.StartNew();
                    var (summary, overhead) = await setups[k].Round();
                    rounds[k].Add(new ClusterBenchRound(summary.Episodes, clock.Elapsed.TotalSeconds, summary.Terminations.GetValueOrDefault(Core.Termination.Errored),
                        overhead?.MeanMs, overhead?.PercentileMs(99)));
                }
            }
            return [.. setups.Select((s, k) => new ClusterBenchRow(s.Workers == 0 ? "in process" : "cluster", s.Workers, s.Concurrency, rounds[k]))];
        }
        finally
        {
            foreach (var setup in setups) await setup.DisposeAsync();
        }
    }

    /// <summary>One way of running the scenario, ready to run a round; disposing it stops what it started.</summary>
    private sealed record Setup(int Workers, int Concurrency, Func<Task<(RunSummary Summary, DispatchOverhead? Overhead)>> Round, Func<ValueTask> Stop) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Stop();
    }

    // The whole run in this process at `concurrency` (no recording: the sinks are the same in both).
    private Setup InProcess(int concurrency, CancellationToken cancellationToken)
    {
        var scenario = Scenario;
        var requests = scenario.ExpandRequests(_registry);
        var sandboxes = scenario.CreateSandboxes(_registry);
        var engine = new RolloutEngine(new RolloutOptions { Concurrency = concurrency, RunId = "bench-cluster" }, id => _registry.Get(id).Create(), AgentFactory.Create(scenario, _registry), sandboxes);
        return new Setup(0, concurrency, async () => (await engine.RunAsync(requests, [], cancellationToken), null),
            () => sandboxes?.DisposeAsync() ?? ValueTask.CompletedTask);
    }

    // The whole run dispatched to `workers` fresh worker processes of the capacity given, each round a run of its own
    // (prepared on every worker, released at its end), as each rollout phase of training is.
    private async Task<Setup> ClusterAsync(int workers, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("forge-bench-cluster-");
        var processes = new List<Process>();
        ClusterConnection? connection = null;
        async ValueTask Stop()
        {
            if (connection is not null) await connection.DisposeAsync();
            foreach (var process in processes) StopWorker(process);
            directory.Delete(recursive: true);
        }
        try
        {
            var clusterFile = Path.Combine(directory.FullName, "cluster.json");
            var (silo, gateway) = (FreePort(), FreePort());
            await File.WriteAllTextAsync(clusterFile, $$"""{ "membership": "localhost", "cluster_id": "bench-{{Guid.NewGuid():n}}", "in_flight_per_worker": {{capacity}}, "primary_silo_port": {{silo}}, "primary_gateway_port": {{gateway}} }""", cancellationToken);
            var scenarioFile = Path.Combine(directory.FullName, "bench-cluster.json");
            await File.WriteAllTextAsync(scenarioFile, ScenarioJson, cancellationToken);
            // The primary first: the others join it.
            processes.Add(await StartWorkerAsync(clusterFile, cancellationToken));
            processes.AddRange(await Task.WhenAll(Enumerable.Range(1, workers - 1).Select(_ => StartWorkerAsync(clusterFile, cancellationToken))));
            connection = await ClusterConnection.ConnectAsync(ClusterOptions.FromArgument(clusterFile), cancellationToken);
            while ((await connection.ActiveWorkersAsync()).Count < workers) await Task.Delay(100, cancellationToken);
            var requests = Scenario.Load(scenarioFile).ExpandRequests(_registry);
            var spec = new RunSpec { RunKey = "", RunId = "bench-cluster", ScenarioJson = ScenarioJson, ScenarioPath = scenarioFile };
            var connected = connection;
            return new Setup(workers, capacity * workers, async () =>
            {
                var dispatcher = new ClusterDispatcher(connected, spec with { RunKey = Guid.NewGuid().ToString("n") });
                return (await dispatcher.RunAsync(requests, [], 2 * capacity * workers, cancellationToken), dispatcher.Overhead);
            }, Stop);
        }
        catch
        {
            await Stop();
            throw;
        }
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

    private static void StopWorker(Process process)
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

/// <summary>One measurement: where the episodes ran, how many at once, and its timed rounds (the median counts; round i of every row ran in the same pass).</summary>
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
