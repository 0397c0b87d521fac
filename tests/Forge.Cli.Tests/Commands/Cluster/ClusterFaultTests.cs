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

    private string ClusterFile(int redisPort)
    {
        var path = Path.Combine(_temp.FullName, "cluster.json");
        File.WriteAllText(path, $$"""{ "membership": "redis", "redis": "127.0.0.1:{{redisPort}}", "cluster_id": "test-{{Guid.NewGuid():n}}", "in_flight_per_worker": 4, "probe_timeout_seconds": 1, "grace_seconds": 20 }""");
        return path;
    }

    [SkippableFact]
    public async Task Run_WorkerKilledMidRun_EveryEpisodeRecordedOnceOthersTookItsWork()
    {
        var redis = ClusterProcesses.RedisServer();
        Skip.If(redis is null, "redis-server is not installed (scripts/install-redis installs it)");
        const int Episodes = 100 * 20;
        using var cluster = new ClusterProcesses(_temp.FullName);
        await cluster.StartRedisAsync(redis!);
        var clusterFile = ClusterFile(cluster.RedisPort);
        var workers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => cluster.StartWorkerAsync("--cluster", clusterFile, "--capacity", "4")));

        var scenario = Path.Combine(_temp.FullName, "cluster.json.scenario");
        await File.WriteAllTextAsync(scenario, """{ "name": "cluster", "environments": [ { "id": "math/arithmetic", "tasks": 100 } ], "agent": { "type": "scripted" }, "episodes_per_task": 20 }""");
        var output = Path.Combine(_temp.FullName, "out");
        var log = Path.Combine(output, TrajectoryRecorder.DefaultFileName);
        var victim = workers[1];

        var (code, stdout, stderr) = await ForgeProcess.RunAsync(_temp.FullName, ["run", scenario, "--cluster", clusterFile, "--json", "--out", output], async _ =>
        {
            var waited = Stopwatch.StartNew();
            while (!(File.Exists(log) && new FileInfo(log).Length > 100_000) && waited.Elapsed < TimeSpan.FromSeconds(90)) await Task.Delay(20);
            ClusterProcesses.Kill9(victim.Process);
        });

        Assert.True(code == 0, $"exit {code}: {stderr}");
        var file = TrajectoryReader.Read(log);
        Assert.Empty(file.Corrupt);
        Assert.Equal(Episodes, file.Trajectories.Count);
        Assert.Equal(Episodes, file.Trajectories.Select(t => t.EpisodeId).Distinct().Count());   // each exactly once
        Assert.All(file.Trajectories, t => Assert.Equal(Termination.Terminated, t.Termination));
        // Every episode says where it ran and on which attempt; the killed worker's in-flight episodes ran again elsewhere.
        Assert.All(file.Trajectories, t => Assert.Contains(t.Provenance!.Worker, workers.Select(w => w.Address)));
        Assert.Contains(file.Trajectories, t => t.Provenance!.Worker == victim.Address);
        Assert.Contains(file.Trajectories, t => t.Provenance!.Attempts >= 2 && t.Provenance.Worker != victim.Address);
        using var json = JsonDocument.Parse(stdout);
        var tallies = json.RootElement.GetProperty("workers").EnumerateArray().ToDictionary(w => w.GetProperty("worker").GetString()!);
        Assert.Equal("lost", tallies[victim.Address].GetProperty("state").GetString());
        Assert.True(tallies[victim.Address].GetProperty("failures").GetInt32() >= 1);

        // The survivors stop cleanly when asked, leaving no process behind.
        foreach (var (process, _) in workers.Where(w => w != victim))
        {
            var children = ClusterProcesses.ChildrenOf(process.Id);
            Assert.True(await ClusterProcesses.StopAsync(process), "a worker did not stop within 30 s of SIGTERM");
            Assert.Equal(0, process.ExitCode);
            Assert.All(children, pid => Assert.False(Directory.Exists($"/proc/{pid}"), $"worker child {pid} outlived it"));
        }
    }
}
