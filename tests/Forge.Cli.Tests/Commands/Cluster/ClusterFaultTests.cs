using System.Diagnostics;
using System.Text.Json;
using Forge.Core;
using Forge.Host.Recording;

namespace Forge.Cli.Tests.Commands.Cluster;

/// <summary>Three workers and a driver on this machine with Redis membership (loopback ports); one worker is killed mid-run.</summary>
public sealed class ClusterFaultTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("forge-cluster-test-");

    public void Dispose() => _temp.Delete(recursive: true);

    private string ClusterFile(int redisPort, int graceSeconds = 20)
    {
        var path = Path.Combine(_temp.FullName, "cluster.json");
        File.WriteAllText(path, $$"""{ "membership": "redis", "redis": "127.0.0.1:{{redisPort}}", "cluster_id": "test-{{Guid.NewGuid():n}}", "in_flight_per_worker": 4, "probe_timeout_seconds": 1, "grace_seconds": {{graceSeconds}} }""");
        return path;
    }

    private string Scenario(int tasks, int episodesPerTask, string extra = "")
    {
        var path = Path.Combine(_temp.FullName, "scenario.json");
        File.WriteAllText(path, $$"""{ "name": "cluster", "environments": [ { "id": "math/arithmetic", "tasks": {{tasks}} } ], "agent": { "type": "scripted" }, "episodes_per_task": {{episodesPerTask}} {{extra}} }""");
        return path;
    }

    /// <summary>Runs <c>forge cluster status --json</c>, which must fail with exit 2 and print nothing on stdout; returns its stderr.</summary>
    private async Task<string> StatusFailsAsync(string clusterFile)
    {
        var (code, stdout, stderr) = await ForgeProcess.RunAsync(_temp.FullName, "cluster", "status", "--cluster", clusterFile, "--json");
        Assert.True(code == 2, $"exit {code}: {stderr}");
        Assert.Equal("", stdout);
        return stderr;
    }

    /// <summary>A cluster file of cluster `nowhere` whose Redis is a free port (nothing listens there), and that port.</summary>
    private (string Path, int Port) ClusterFileWithoutRedis()
    {
        var port = LoopbackPort.Free();
        var path = Path.Combine(_temp.FullName, "cluster.json");
        File.WriteAllText(path, $$"""{ "membership": "redis", "redis": "127.0.0.1:{{port}},connectTimeout=1000", "cluster_id": "nowhere" }""");
        return (path, port);
    }

    /// <summary>Runs forge run on the cluster; <paramref name="midRun"/> is called once the log holds <paramref name="bytes"/> bytes.</summary>
    private async Task<(int Code, string Stdout, string Stderr, string Log)> RunAsync(string scenario, string clusterFile, int bytes, Func<Task> midRun, params string[] extra)
    {
        var output = Path.Combine(_temp.FullName, "out");
        var log = Path.Combine(output, TrajectoryRecorder.DefaultFileName);
        var (code, stdout, stderr) = await ForgeProcess.RunAsync(_temp.FullName, ["run", scenario, "--cluster", clusterFile, "--json", "--out", output, .. extra], async _ =>
        {
            var waited = Stopwatch.StartNew();
            while (!(File.Exists(log) && new FileInfo(log).Length > bytes) && waited.Elapsed < TimeSpan.FromSeconds(90)) await Task.Delay(20);
            await midRun();
        });
        return (code, stdout, stderr, log);
    }

    private static IReadOnlyList<Trajectory> EveryEpisodeOnce(string log, int episodes, Func<string>? context = null)
    {
        var file = TrajectoryReader.Read(log);
        Assert.Empty(file.Corrupt);
        Assert.Equal(episodes, file.Trajectories.Count);
        Assert.Equal(episodes, file.Trajectories.Select(t => t.EpisodeId).Distinct().Count());
        var unfinished = file.Trajectories.Where(t => t.Termination != Termination.Terminated).ToList();
        Assert.True(unfinished.Count == 0, $"{unfinished.Count} episode(s) did not terminate, e.g. {unfinished.FirstOrDefault()?.EpisodeId}: {unfinished.FirstOrDefault()?.Termination} " +
            $"{unfinished.FirstOrDefault()?.TruncationReason} {unfinished.FirstOrDefault()?.Error?.Type}: {unfinished.FirstOrDefault()?.Error?.Message}\n{context?.Invoke()}");
        return file.Trajectories;
    }

    [SkippableFact]
    public async Task Run_WorkerKilledMidRun_EveryEpisodeRecordedOnceNoSandboxOrProcessLeft()
    {
        const int Episodes = 35 * 3;
        using var cluster = new ClusterProcesses(_temp.FullName);
        await cluster.StartRedisAsync();
        var clusterFile = ClusterFile(cluster.RedisPort);
        var workers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => cluster.StartWorkerAsync("--cluster", clusterFile, "--capacity", "4")));
        var victim = workers[1];
        var victimSandboxes = new List<int>();

        // Coding episodes in the local sandbox: each worker runs Python in bubblewrap sandboxes of its own pool.
        var scenario = Path.Combine(_temp.FullName, "code.json");
        await File.WriteAllTextAsync(scenario, """{ "name": "cluster-code", "environments": [ { "id": "code/python-functions", "tasks": 35 } ], "agent": { "type": "scripted" }, "episodes_per_task": 3, "sandbox": { "backend": "local", "memory_mb": 256, "cpu_seconds": 20, "max_processes": 64, "pool_size": 4 } }""");
        var output = Path.Combine(_temp.FullName, "out", TrajectoryRecorder.DefaultFileName);
        var atKill = "";
        var (code, stdout, stderr, log) = await RunAsync(scenario, clusterFile, 10_000, async () =>
        {
            // Once the victim has finished an episode (it is mid-run, with sandboxes of its own), kill it.
            var waited = Stopwatch.StartNew();
            IReadOnlyList<Trajectory> recorded;
            while (!(recorded = TrajectoryReader.Read(output).Trajectories).Any(t => t.Provenance?.Worker == victim.Address) && waited.Elapsed < TimeSpan.FromSeconds(60))
                await Task.Delay(50);
            victimSandboxes.AddRange(ClusterProcesses.DescendantsOf(victim.Process.Id));
            ClusterProcesses.Kill9(victim.Process);
            atKill = $"killed after {waited.Elapsed.TotalSeconds:0.0} s with {recorded.Count} of {Episodes} episodes recorded, {recorded.Count(t => t.Provenance?.Worker == victim.Address)} by the victim";
        });

        // On failure, say when the victim was killed and what every worker logged (a survivor the cluster declared dead says so).
        string Context() => $"{atKill}\n" + string.Join("\n", workers.Select(w => $"--- worker {w.Address}:\n{cluster.ErrorsOf(w.Process)}"));
        Assert.True(code == 0, $"exit {code}: {stderr}\n{Context()}");
        var trajectories = EveryEpisodeOnce(log, Episodes, Context);
        // Every episode says where it ran and on which attempt; the killed worker's in-flight episodes ran again elsewhere.
        Assert.All(trajectories, t => Assert.Contains(t.Provenance!.Worker, workers.Select(w => w.Address)));
        Assert.True(trajectories.Any(t => t.Provenance!.Worker == victim.Address), Context());
        Assert.True(trajectories.Any(t => t.Provenance!.Attempts >= 2 && t.Provenance.Worker != victim.Address), $"no episode ran again elsewhere; {Context()}");
        using var json = JsonDocument.Parse(stdout);
        var tallies = json.RootElement.GetProperty("workers").EnumerateArray().ToDictionary(w => w.GetProperty("worker").GetString()!);
        Assert.True(tallies[victim.Address].GetProperty("state").GetString() == "lost", $"{stdout}\n{Context()}");
        Assert.True(tallies[victim.Address].GetProperty("failures").GetInt32() >= 1);

        // The killed worker's sandboxes died with it (bubblewrap --die-with-parent) ...
        Assert.NotEmpty(victimSandboxes);
        Assert.All(victimSandboxes, pid => Assert.False(ClusterProcesses.IsAlive(pid), $"sandbox process {pid} of the killed worker outlived it"));
        // ... and the survivors stop cleanly when asked, removing their sandboxes and folders.
        foreach (var (process, _) in workers.Where(w => w != victim))
        {
            var descendants = ClusterProcesses.DescendantsOf(process.Id);
            Assert.False(process.HasExited, $"worker {process.Id} ended before it was asked to stop; {Context()}");
            Assert.True(await ClusterProcesses.StopAsync(process), $"worker {process.Id} did not stop in time after SIGTERM; {Context()}");
            Assert.True(process.ExitCode == 0, $"worker {process.Id} exited {process.ExitCode}; {Context()}");
            Assert.All(descendants, pid => Assert.False(ClusterProcesses.IsAlive(pid), $"worker child {pid} outlived it"));
            Assert.Empty(ClusterProcesses.SandboxFoldersOf(process.Id));
        }
        // The killed worker's folder is swept by the next local sandbox provider on the machine (as after any crash).
        var (sweep, _, sweepErr) = await ForgeProcess.RunAsync(_temp.FullName, "sandbox", "run", "--backend", "local", "--", "true");
        Assert.True(sweep == 0, sweepErr);
        Assert.Empty(ClusterProcesses.SandboxFoldersOf(victim.Process.Id));
    }

    [SkippableFact]
    public async Task Run_AgentAtDriverAcrossARedisRestart_WorkersAskTheDriverEveryEpisodeRecordedOnce()
    {
        using var cluster = new ClusterProcesses(_temp.FullName);
        await cluster.StartRedisAsync(durable: true);
        var clusterFile = ClusterFile(cluster.RedisPort);
        var workers = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => cluster.StartWorkerAsync("--cluster", clusterFile, "--capacity", "4")));

        // Redis dies mid-run and comes back on the same port with its append-only file: membership is read back, the run goes on.
        var (code, _, stderr, log) = await RunAsync(Scenario(100, 20), clusterFile, 50_000, () => cluster.RestartRedisAsync(), "--agent-at-driver");

        Assert.True(code == 0, $"exit {code}: {stderr}");
        var trajectories = EveryEpisodeOnce(log, 100 * 20);
        // The scenario's scripted agent acted in the driver: the workers built none and asked for every turn.
        Assert.All(trajectories, t =>
        {
            Assert.Equal("played at the driver", t.Provenance!.Agent!.Details);
            Assert.Contains(t.Provenance.Worker, workers.Select(w => w.Address));
        });
        Assert.Equal(2, trajectories.Select(t => t.Provenance!.Worker).Distinct().Count());

        // forge cluster status: both workers, their capacity, and the episodes each ran (as the log says).
        var (statusCode, status, statusErr) = await ForgeProcess.RunAsync(_temp.FullName, "cluster", "status", "--cluster", clusterFile, "--json");
        Assert.True(statusCode == 0, statusErr);
        using var json = JsonDocument.Parse(status);
        var listed = json.RootElement.GetProperty("workers").EnumerateArray().ToDictionary(w => w.GetProperty("address").GetString()!);
        Assert.Equal(workers.Select(w => w.Address).Order(), listed.Keys.Order());
        foreach (var (_, address) in workers)
        {
            Assert.Equal(4, listed[address].GetProperty("capacity").GetInt32());
            Assert.Equal(0, listed[address].GetProperty("in_flight").GetInt32());
            // At least what the log holds from it (an answer that crossed a re-dispatch counts on the worker, not in the log).
            Assert.InRange(listed[address].GetProperty("done").GetInt64(), trajectories.Count(t => t.Provenance!.Worker == address), long.MaxValue);
            Assert.Equal(0, listed[address].GetProperty("failures").GetInt64());
        }
    }

    [SkippableFact]
    public async Task Run_WorkerStoppedMidRun_DeadlinesEndItsEpisodesTheyRunElsewhere()
    {
        using var cluster = new ClusterProcesses(_temp.FullName);
        await cluster.StartRedisAsync();
        var clusterFile = ClusterFile(cluster.RedisPort, graceSeconds: 3);
        var workers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => cluster.StartWorkerAsync("--cluster", clusterFile, "--capacity", "4")));
        var stopped = workers[0];

        // SIGSTOP: the worker neither answers nor closes its connections, as behind a network partition.
        var (code, stdout, stderr, log) = await RunAsync(Scenario(100, 20, """, "limits": { "episode_timeout_s": 4 }"""), clusterFile, 50_000, async () =>
        {
            using var stop = Process.Start("kill", ["-STOP", stopped.Process.Id.ToString()])!;
            await stop.WaitForExitAsync();
        });

        Assert.True(code == 0, $"exit {code}: {stderr}");
        EveryEpisodeOnce(log, 100 * 20);
        using var json = JsonDocument.Parse(stdout);
        var state = json.RootElement.GetProperty("workers").EnumerateArray().Single(w => w.GetProperty("worker").GetString() == stopped.Address).GetProperty("state").GetString();
        Assert.True(state is "lost" || state!.StartsWith("drained", StringComparison.Ordinal), state);

        // Let it go on: the cluster has declared it dead, so it learns that and ends itself; nothing of it is left.
        using (var cont = Process.Start("kill", ["-CONT", stopped.Process.Id.ToString()])!) await cont.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await stopped.Process.WaitForExitAsync(timeout.Token);
    }

    [SkippableFact]
    public async Task Run_WorkerThatKeepsFailingEpisodes_DrainedTheOthersRunThemEveryEpisodeRecordedOnce()
    {
        using var cluster = new ClusterProcesses(_temp.FullName);
        await cluster.StartRedisAsync();
        var clusterFile = ClusterFile(cluster.RedisPort);
        // One worker's registry has a single arithmetic task: it prepares the run, then refuses every episode of another task.
        var workerDir = Directory.CreateDirectory(Path.Combine(_temp.FullName, "worker"));
        await File.WriteAllTextAsync(Path.Combine(workerDir.FullName, "environments.json"),
            """{ "schema_version": 2, "environments": { "math/arithmetic": { "tasks": { "generator": "Forge.Environments.MathReasoning.ArithmeticTasks", "count": 1 } } } }""");
        using var elsewhere = new ClusterProcesses(workerDir.FullName);
        var failing = await elsewhere.StartWorkerAsync("--cluster", clusterFile, "--capacity", "4");
        var good = await cluster.StartWorkerAsync("--cluster", clusterFile, "--capacity", "4");

        var (code, stdout, stderr, log) = await RunAsync(Scenario(50, 4), clusterFile, 0, () => Task.CompletedTask);

        Assert.True(code == 0, $"exit {code}: {stderr}");
        var trajectories = EveryEpisodeOnce(log, 50 * 4);
        // What the failing worker ran is its one task; the rest ran on the other worker.
        Assert.InRange(trajectories.Where(t => t.Provenance!.Worker == failing.Address).Select(t => t.TaskId).Distinct().Count(), 0, 1);
        using var json = JsonDocument.Parse(stdout);
        var workers = json.RootElement.GetProperty("workers").EnumerateArray().ToDictionary(w => w.GetProperty("worker").GetString()!);
        var state = workers[failing.Address].GetProperty("state").GetString()!;
        // Drained once the failures in a row reached the default 3 (episodes failing at the same moment may add to the count).
        var inARow = System.Text.RegularExpressions.Regex.Match(state, "^drained: (\\d+) failed episodes in a row");
        Assert.True(inARow.Success, state);
        Assert.InRange(int.Parse(inARow.Groups[1].Value), DefaultDrainAfterFailures, int.MaxValue);
        Assert.Contains("its registry differs from the driver's", state);
        Assert.Equal("active", workers[good.Address].GetProperty("state").GetString());
        Assert.Equal(0, workers[good.Address].GetProperty("failures").GetInt32());
        // The drained worker stays up for other runs.
        Assert.False(failing.Process.HasExited);
    }

    private const int DefaultDrainAfterFailures = 3;

    [Fact]
    public async Task Worker_RedisDoesNotAnswer_Exit2OneLineNamingTheMembership()
    {
        var (clusterFile, port) = ClusterFileWithoutRedis();

        var (code, _, stderr) = await ForgeProcess.RunAsync(_temp.FullName, "worker", "--cluster", clusterFile);

        Assert.True(code == 2, $"exit {code}: {stderr}");
        var last = stderr.Trim().Split('\n')[^1];
        Assert.StartsWith($"forge: this worker can't join cluster `nowhere`: Redis membership at 127.0.0.1:{port},connectTimeout=1000 doesn't answer (", last);
        Assert.EndsWith("start Redis there or fix the cluster file's \"redis\".", last);
        Assert.DoesNotContain("   at ", stderr);
    }

    [SkippableFact]
    public async Task Status_RedisMembershipWithNoWorker_SaysSoNamingRedisNotAfterTheClientsWait()
    {
        using var cluster = new ClusterProcesses(_temp.FullName);
        await cluster.StartRedisAsync();
        var clusterFile = ClusterFile(cluster.RedisPort);

        var stderr = await StatusFailsAsync(clusterFile);

        Assert.Contains($"(Redis membership at 127.0.0.1:{cluster.RedisPort}: no worker is registered): start workers with `forge worker --cluster ...` first", stderr);
        Assert.DoesNotContain("within 20 s", stderr);
    }

    [SkippableFact]
    public async Task Status_TheOnlyWorkerKilled_SaysNothingListensOnTheGatewayItsEntryLists()
    {
        using var cluster = new ClusterProcesses(_temp.FullName);
        await cluster.StartRedisAsync();
        var clusterFile = ClusterFile(cluster.RedisPort);
        var (worker, _) = await cluster.StartWorkerAsync("--cluster", clusterFile, "--capacity", "2");
        ClusterProcesses.Kill9(worker);   // no other worker is left to declare it dead: its entry stays active in Redis

        var stderr = await StatusFailsAsync(clusterFile);

        Assert.Matches(@"Redis membership at 127\.0\.0\.1:\d+: nothing listens on [0-9.]+:\d+, the worker gateway\(s\) it lists\)", stderr);
    }

    [Fact]
    public async Task Status_RedisDoesNotAnswer_SaysTheMembershipCannotBeRead()
    {
        var (clusterFile, port) = ClusterFileWithoutRedis();

        var stderr = await StatusFailsAsync(clusterFile);

        Assert.Contains($"no worker of cluster `nowhere` answers (Redis membership at 127.0.0.1:{port},connectTimeout=1000: its membership can't be read: ", stderr);
        Assert.EndsWith("start Redis there or fix the cluster file's \"redis\"", stderr.Trim());
        Assert.DoesNotContain("   at ", stderr);
    }

    [SkippableFact]
    public async Task Run_TheOnlyWorkerCannotPrepareTheRun_FailsAfterTheGraceSayingWhy()
    {
        using var cluster = new ClusterProcesses(_temp.FullName);
        await cluster.StartRedisAsync();
        var clusterFile = ClusterFile(cluster.RedisPort, graceSeconds: 3);
        // The worker runs in a folder whose environments.json (read before the one next to forge) lacks the scenario's environment.
        var workerDir = Directory.CreateDirectory(Path.Combine(_temp.FullName, "worker"));
        await File.WriteAllTextAsync(Path.Combine(workerDir.FullName, "environments.json"), """{ "schema_version": 2, "environments": { "math/arithmetic": {} } }""");
        using var elsewhere = new ClusterProcesses(workerDir.FullName);
        var (worker, address) = await elsewhere.StartWorkerAsync("--cluster", clusterFile, "--capacity", "4");

        var scenario = Path.Combine(_temp.FullName, "latency.json");
        await File.WriteAllTextAsync(scenario, """{ "name": "refused", "environments": [ { "id": "bench/latency", "tasks": 5 } ], "agent": { "type": "scripted" } }""");
        var (code, _, stderr) = await ForgeProcess.RunAsync(_temp.FullName, "run", scenario, "--cluster", clusterFile, "--out", Path.Combine(_temp.FullName, "out"));

        Assert.Equal(2, code);
        // The worker's own error crossed the wire: the driver names the worker and what it said.
        Assert.Contains($"worker {address} could not prepare the run", stderr);
        Assert.Contains("bench/latency", stderr);
        Assert.False(worker.HasExited, "a worker that refused a run must stay up for others");
    }
}
