using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Forge.Cli.Tests.Commands.Trajectories;
using Forge.Core;
using Forge.Host.Recording;

namespace Forge.Cli.Tests.Commands.Cluster;

/// <summary>
/// The worker image for real: containers from it (scripts/build-worker-image; rebuilt only when its sources changed) join
/// a cluster with Redis membership on the Docker bridge, and a <c>forge run --cluster</c> on the host runs its episodes on
/// them. The containers reach Redis at the bridge's gateway address; the driver reaches the containers at theirs.
/// </summary>
public sealed class WorkerImageTests : IDisposable
{
    private const string Image = "forge-worker:latest";
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("forge-worker-image-test-");
    private readonly string _label = $"forge.test={Guid.NewGuid():n}";

    public void Dispose()
    {
        var left = Docker(TimeSpan.FromSeconds(10), "ps", "-aq", "--filter", $"label={_label}").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (left.Length > 0) Docker(TimeSpan.FromSeconds(60), ["rm", "-f", .. left]);
        _temp.Delete(recursive: true);
    }

    private static (int Code, string Output) Docker(TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout)) { process.Kill(); throw new TimeoutException($"docker {string.Join(' ', args)} took over {timeout.TotalSeconds:0} s"); }
        return (process.ExitCode, (output.Result + error.Result).Trim());
    }

    /// <summary>Builds the image when its sources changed since it was built (a no-op otherwise; scripts/test builds it first on CI).</summary>
    private static async Task BuildImageAsync()
    {
        var start = new ProcessStartInfo(Path.Combine(ForgeProcess.RepositoryRoot, "scripts", "build-worker-image"), [Image])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = ForgeProcess.RepositoryRoot,
        };
        // A publish started from inside a test host must not inherit the test build's MSBuild settings.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k == "MSBUILD_EXE_PATH").ToList())
            start.Environment.Remove(name);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"scripts/build-worker-image failed: {await output}{await error}");
    }

    /// <summary>Starts a worker container and waits for its "joined" line; returns the container id and the worker's address.</summary>
    private async Task<(string Container, string Address)> StartWorkerAsync(string clusterFile)
    {
        var (code, id) = Docker(TimeSpan.FromSeconds(60), "run", "-d", "--label", _label, "-v", $"{clusterFile}:/etc/forge/cluster.json:ro",
            Image, "--cluster", "/etc/forge/cluster.json", "--capacity", "4");
        Assert.True(code == 0, $"docker run failed: {id}");
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(120))
        {
            var (_, logs) = Docker(TimeSpan.FromSeconds(30), "logs", id);
            var joined = logs.Split('\n').FirstOrDefault(l => l.StartsWith("worker ", StringComparison.Ordinal) && l.Contains(" joined cluster ", StringComparison.Ordinal));
            if (joined is not null) return (id, joined.Split(' ')[1]);
            var (_, state) = Docker(TimeSpan.FromSeconds(30), "inspect", "--format", "{{.State.Running}}", id);
            Assert.True(state == "true", $"worker container exited before joining: {logs}");
            await Task.Delay(250);
        }
        throw new TimeoutException($"worker container {id[..12]} did not join within 120 s");
    }

    [SkippableFact]
    public async Task Run_OnWorkersInContainersOfTheImage_EveryEpisodeRecordedOnceWorkersStopCleanly()
    {
        DockerRequirement.Require();
        var redis = ClusterProcesses.RedisServer();
        Skip.If(redis is null, "redis-server is not installed (scripts/install-redis installs it)");
        await BuildImageAsync();
        var (gatewayCode, gateway) = Docker(TimeSpan.FromSeconds(30), "network", "inspect", "bridge", "--format", "{{(index .IPAM.Config 0).Gateway}}");
        Assert.True(gatewayCode == 0 && IPAddress.TryParse(gateway, out _), $"the Docker bridge network has no gateway address: {gateway}");

        using var cluster = new ClusterProcesses(_temp.FullName);
        await cluster.StartRedisAsync(redis!, bind: IPAddress.Parse(gateway));
        var clusterFile = Path.Combine(_temp.FullName, "cluster.json");
        await File.WriteAllTextAsync(clusterFile, $$"""{ "membership": "redis", "redis": "{{gateway}}:{{cluster.RedisPort}}", "cluster_id": "image-{{Guid.NewGuid():n}}", "in_flight_per_worker": 4, "probe_timeout_seconds": 1 }""");
        var workers = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => StartWorkerAsync(clusterFile)));
        var addresses = workers.Select(w => w.Address).ToHashSet();
        Assert.All(addresses, a => Assert.False(a.StartsWith("127.", StringComparison.Ordinal), $"a container advertised a loopback address: {a}"));

        // Both containers are members the driver sees, with the capacity they were started with.
        var (statusCode, status, statusErr) = await ForgeProcess.RunAsync(_temp.FullName, "cluster", "status", "--cluster", clusterFile, "--json");
        Assert.True(statusCode == 0, statusErr);
        using (var json = JsonDocument.Parse(status))
        {
            var listed = json.RootElement.GetProperty("workers").EnumerateArray().ToDictionary(w => w.GetProperty("address").GetString()!);
            Assert.Equal(addresses.Order(), listed.Keys.Order());
            Assert.All(listed.Values, w => Assert.Equal(4, w.GetProperty("capacity").GetInt32()));
        }

        var scenario = Path.Combine(_temp.FullName, "scenario.json");
        await File.WriteAllTextAsync(scenario, """{ "name": "image", "environments": [ { "id": "math/arithmetic", "tasks": 40 } ], "agent": { "type": "scripted" }, "episodes_per_task": 2 }""");
        var output = Path.Combine(_temp.FullName, "out");
        var (code, _, stderr) = await ForgeProcess.RunAsync(_temp.FullName, "run", scenario, "--cluster", clusterFile, "--json", "--out", output);

        Assert.True(code == 0, $"exit {code}: {stderr}");
        var log = TrajectoryReader.Read(Path.Combine(output, TrajectoryRecorder.DefaultFileName));
        Assert.Empty(log.Corrupt);
        Assert.Equal(80, log.Trajectories.Count);
        Assert.Equal(80, log.Trajectories.Select(t => t.EpisodeId).Distinct().Count());
        Assert.All(log.Trajectories, t =>
        {
            Assert.Equal(Termination.Terminated, t.Termination);
            Assert.Contains(t.Provenance!.Worker!, addresses);   // ran in a container of the image
        });

        // docker stop sends SIGTERM to the worker (the container's first process): it leaves the cluster and exits 0.
        foreach (var (container, _) in workers)
        {
            var (stopCode, stopOutput) = Docker(TimeSpan.FromSeconds(90), "stop", "--time", "60", container);
            Assert.True(stopCode == 0, stopOutput);
            Assert.Equal("0", Docker(TimeSpan.FromSeconds(30), "inspect", "--format", "{{.State.ExitCode}}", container).Output);
        }
    }
}
