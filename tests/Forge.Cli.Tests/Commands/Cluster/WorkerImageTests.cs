using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.Json;
using Forge.Cli.Tests.Commands.Trajectories;
using Forge.Core;
using Forge.Host.Recording;

namespace Forge.Cli.Tests.Commands.Cluster;

/// <summary>
/// The worker image for real: containers from it (scripts/build-worker-image; rebuilt only when its sources changed) join
/// a cluster with Redis membership on the Docker bridge, and a <c>forge run --cluster</c> on the host runs its episodes on
/// them. The containers reach Redis at the bridge's gateway address; the driver reaches the containers at theirs. Every
/// container runs with the security settings of the worker Deployment (deploy/kubernetes/worker.yaml), translated to
/// <c>docker run</c> options by <see cref="WorkerContainerSecurity"/>.
/// </summary>
public sealed class WorkerImageTests : IDisposable
{
    private const string Image = "forge-worker:latest";
    private static readonly string Deploy = Path.Combine(ForgeProcess.RepositoryRoot, "deploy");
    private static readonly Lazy<IReadOnlyList<string>> Security = new(() => WorkerContainerSecurity.DockerRunOptions(
        KubernetesManifests.Load(Path.Combine(Deploy, "kubernetes")).Get<k8s.Models.V1Deployment>("forge-worker").Spec.Template.Spec, Path.Combine(Deploy, "worker")));
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
        var (code, id) = Docker(TimeSpan.FromSeconds(60), ["run", "-d", "--label", _label, .. Security.Value, "-v", $"{clusterFile}:/etc/forge/cluster.json:ro",
            Image, "--cluster", "/etc/forge/cluster.json", "--capacity", "4"]);
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

    /// <summary>
    /// The host's address on Docker's default bridge. An engine names it in the network's IPAM config only when it was
    /// configured with one; otherwise it is the IPv4 address of the bridge's interface (docker0) on this host.
    /// </summary>
    private static string BridgeGateway()
    {
        var (code, inspected) = Docker(TimeSpan.FromSeconds(30), "network", "inspect", "bridge", "--format",
            "{{range .IPAM.Config}}{{.Gateway}}{{end}}|{{index .Options \"com.docker.network.bridge.name\"}}");
        Assert.True(code == 0, $"docker network inspect bridge failed: {inspected}");
        var (configured, bridge) = (inspected.Split('|')[0].Trim(), inspected.Split('|').ElementAtOrDefault(1)?.Trim() ?? "");
        if (IPAddress.TryParse(configured, out _)) return configured;
        var address = NetworkInterface.GetAllNetworkInterfaces().FirstOrDefault(n => n.Name == bridge)?.GetIPProperties().UnicastAddresses
            .Select(a => a.Address).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);
        Assert.True(address is not null, $"the Docker bridge network has no gateway address (IPAM: '{configured}', interface '{bridge}' has no IPv4 address)");
        return address!.ToString();
    }

    /// <summary>Redis on the host at the Docker bridge's gateway and two worker containers joined to it (the test skips, or fails on CI, without Docker or Redis); returns the cluster file, the workers and their addresses.</summary>
    private async Task<(string ClusterFile, (string Container, string Address)[] Workers, HashSet<string> Addresses)> StartClusterAsync(ClusterProcesses cluster)
    {
        DockerRequirement.Require();
        await BuildImageAsync();
        var gateway = BridgeGateway();
        await cluster.StartRedisAsync(bind: IPAddress.Parse(gateway));
        var clusterFile = Path.Combine(_temp.FullName, "cluster.json");
        await File.WriteAllTextAsync(clusterFile, $$"""{ "membership": "redis", "redis": "{{gateway}}:{{cluster.RedisPort}}", "cluster_id": "image-{{Guid.NewGuid():n}}", "in_flight_per_worker": 4, "probe_timeout_seconds": 1 }""");
        var workers = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => StartWorkerAsync(clusterFile)));
        Assert.All(workers, w => Assert.False(w.Address.StartsWith("127.", StringComparison.Ordinal), $"a container advertised a loopback address: {w.Address}"));
        return (clusterFile, workers, workers.Select(w => w.Address).ToHashSet());
    }

    /// <summary>docker stop sends SIGTERM to the container's first process (tini), which passes it on: the worker leaves the cluster and exits 0.</summary>
    private static void StopWorkers(IEnumerable<(string Container, string Address)> workers)
    {
        foreach (var (container, _) in workers)
        {
            var (stopCode, stopOutput) = Docker(TimeSpan.FromSeconds(90), "stop", "--time", "60", container);
            Assert.True(stopCode == 0, stopOutput);
            Assert.Equal("0", Docker(TimeSpan.FromSeconds(30), "inspect", "--format", "{{.State.ExitCode}}", container).Output);
        }
    }

    /// <summary>The processes in a container besides tini, the worker and the shell that lists them ("PID NAME" lines), and its sandbox folders.</summary>
    private static (string[] Processes, string[] SandboxFolders) LeftIn(string container)
    {
        var (code, output) = Docker(TimeSpan.FromSeconds(30), "exec", container, "/bin/sh", "-c",
            "for p in /proc/[0-9]*; do [ \"${p#/proc/}\" = $$ ] || echo \"${p#/proc/} $(cat $p/comm 2>/dev/null)\"; done; echo ---; ls -d /tmp/forge-sandboxes/*/*/ 2>/dev/null; true");
        Assert.True(code == 0, output);
        var (processes, folders) = (output.Split("---")[0], output.Split("---")[1]);
        // A line without a name is a process that ended while the shell listed them.
        return ([.. processes.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.Split(' ', 2) is [_, var name] && name is not ("tini" or "forge"))],
            folders.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [SkippableFact]
    public async Task Run_OnWorkersInContainersOfTheImage_EveryEpisodeRecordedOnceWorkersStopCleanly()
    {
        using var cluster = new ClusterProcesses(_temp.FullName);
        var (clusterFile, workers, addresses) = await StartClusterAsync(cluster);

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
        StopWorkers(workers);
    }

    [SkippableFact]
    public async Task Run_CodeEpisodesInTheLocalSandboxOfWorkerContainers_RewardsAsInOneProcess_NothingLeftBehind()
    {
        using var cluster = new ClusterProcesses(_temp.FullName);
        var (clusterFile, workers, addresses) = await StartClusterAsync(cluster);

        // The scripted solver runs each task's tests in the local sandbox (bubblewrap) of the worker that runs the episode,
        // inside its container; the same scenario in one process on the host is the reference.
        var scenario = Path.Combine(_temp.FullName, "code.json");
        await File.WriteAllTextAsync(scenario, """{ "name": "image-code", "environments": [ { "id": "code/python-functions", "tasks": 35 } ], "agent": { "type": "scripted" }, "episodes_per_task": 1, "reward_mode": "graded", "sandbox": { "backend": "local", "memory_mb": 256, "cpu_seconds": 20, "max_processes": 64, "pool_size": 2 } }""");
        var (code, _, stderr) = await ForgeProcess.RunAsync(_temp.FullName, "run", scenario, "--cluster", clusterFile, "--json", "--out", Path.Combine(_temp.FullName, "cluster"));
        Assert.True(code == 0, $"exit {code}: {stderr}\n" + string.Join("\n", workers.Select(w => $"--- {w.Address}:\n{Docker(TimeSpan.FromSeconds(30), "logs", w.Container).Output}")));
        var (localCode, _, localErr) = await ForgeProcess.RunAsync(_temp.FullName, "run", scenario, "--json", "--out", Path.Combine(_temp.FullName, "local"));
        Assert.True(localCode == 0, $"exit {localCode}: {localErr}");

        var log = TrajectoryReader.Read(Path.Combine(_temp.FullName, "cluster", TrajectoryRecorder.DefaultFileName));
        Assert.Empty(log.Corrupt);
        var remote = log.Trajectories.ToDictionary(t => t.EpisodeId, StringComparer.Ordinal);   // throws on an episode recorded twice
        var local = TrajectoryReader.Read(Path.Combine(_temp.FullName, "local", TrajectoryRecorder.DefaultFileName)).Trajectories.ToDictionary(t => t.EpisodeId, StringComparer.Ordinal);
        Assert.Equal(35, remote.Count);
        Assert.Equal(local.Keys.Order(StringComparer.Ordinal), remote.Keys.Order(StringComparer.Ordinal));
        foreach (var (id, t) in remote)
        {
            Assert.Contains(t.Provenance!.Worker!, addresses);
            Assert.Equal(Termination.Terminated, t.Termination);
            Assert.True(local[id].TotalReward == t.TotalReward, $"{t.TaskId}: reward {t.TotalReward} on a worker container, {local[id].TotalReward} in one process");
        }
        // The solver's code ran and passed the tests there: a sandbox that could not run code would score 0.
        Assert.True(remote.Values.Count(t => t.TotalReward > 0) >= 30, $"only {remote.Values.Count(t => t.TotalReward > 0)} of 35 episodes scored");

        // The run has ended: each worker released its sandboxes; no bubblewrap, Python or other process is left, nor a folder.
        foreach (var (container, address) in workers)
        {
            var waited = Stopwatch.StartNew();
            var left = LeftIn(container);
            while ((left.Processes.Length > 0 || left.SandboxFolders.Length > 0) && waited.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(200);
                left = LeftIn(container);
            }
            Assert.True(left.Processes.Length == 0, $"{address}: left running: {string.Join(", ", left.Processes)}");
            Assert.True(left.SandboxFolders.Length == 0, $"{address}: sandbox folders left: {string.Join(", ", left.SandboxFolders)}");
        }
        // Code in a worker's sandbox sees nothing of the worker beside it: not its files, not its processes, not the
        // network it reaches Redis on. The same probe run by the worker's user outside the sandbox sees all three.
        string redisAddress;
        using (var file = JsonDocument.Parse(await File.ReadAllTextAsync(clusterFile))) redisAddress = file.RootElement.GetProperty("redis").GetString()!;
        var probe = $$"""
            import json, os, socket
            seen = {"files": [p for p in ["/etc/forge/cluster.json", "/opt/forge/forge"] if os.path.exists(p)]}
            seen["processes"] = sorted({open(f"/proc/{p}/comm").read().strip() for p in os.listdir("/proc") if p.isdigit()})
            try:
                socket.create_connection(("{{redisAddress.Split(':')[0]}}", {{redisAddress.Split(':')[1]}}), timeout=3).close(); seen["redis"] = "reached"
            except OSError as e:
                seen["redis"] = str(e)
            print(json.dumps(seen))
            """;
        var first = workers[0].Container;
        var (outsideCode, outside) = Docker(TimeSpan.FromSeconds(60), "exec", first, "python3", "-c", probe);
        Assert.True(outsideCode == 0, outside);
        using (var seen = JsonDocument.Parse(outside))
        {
            Assert.Equal(2, seen.RootElement.GetProperty("files").GetArrayLength());
            Assert.Contains("forge", seen.RootElement.GetProperty("processes").EnumerateArray().Select(p => p.GetString()));
            Assert.Equal("reached", seen.RootElement.GetProperty("redis").GetString());
        }
        var (insideCode, inside) = Docker(TimeSpan.FromSeconds(60), "exec", first, "/opt/forge/forge", "sandbox", "run", "--backend", "local", "--", "python3", "-c", probe);
        Assert.True(insideCode == 0, inside);
        using (var seen = JsonDocument.Parse(inside.Split('\n')[0]))
        {
            Assert.Equal(0, seen.RootElement.GetProperty("files").GetArrayLength());
            Assert.DoesNotContain(seen.RootElement.GetProperty("processes").EnumerateArray().Select(p => p.GetString()), p => p is "forge" or "tini");
            Assert.NotEqual("reached", seen.RootElement.GetProperty("redis").GetString());
        }

        StopWorkers(workers);
        Assert.All(workers, w => Assert.Equal("false", Docker(TimeSpan.FromSeconds(30), "inspect", "--format", "{{.State.Running}}", w.Container).Output));
    }

    /// <summary>
    /// The sandbox's own security suite (the local backend's conformance tests: no network, no host files, limits, nothing
    /// left behind, warm Python), run inside a container of the image with the worker's settings, as the worker's user:
    /// the guarantees hold inside a worker container, not only on a host. The suite's build (the solution is built before
    /// the tests run) and the host's dotnet are mounted read-only.
    /// </summary>
    [SkippableFact]
    public async Task SandboxSecuritySuite_InAContainerWithTheWorkersSettings_Passes()
    {
        DockerRequirement.Require();
        await BuildImageAsync();
        var build = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));   // tests/Forge.Cli.Tests/bin/CONFIGURATION/TFM
        var suite = Path.Combine(ForgeProcess.RepositoryRoot, "tests", "Forge.Sandbox.Tests", "bin", build.Parent!.Name, build.Name);
        Assert.True(File.Exists(Path.Combine(suite, "Forge.Sandbox.Tests.dll")), $"{suite} has no Forge.Sandbox.Tests.dll: build the solution first (scripts/test does)");
        var dotnet = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "dotnet")).FirstOrDefault(File.Exists);
        Assert.True(dotnet is not null, "no dotnet on PATH");
        var dotnetRoot = Path.GetDirectoryName(new FileInfo(dotnet).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? dotnet)!;
        Assert.True(Directory.Exists(Path.Combine(dotnetRoot, "sdk")), $"{dotnetRoot} (where dotnet on PATH lives) has no SDK");

        var (code, output) = Docker(TimeSpan.FromMinutes(8), ["run", "--rm", "--label", _label, .. Security.Value, "--entrypoint", "/usr/bin/tini",
            "-v", $"{dotnetRoot}:/opt/dotnet:ro", "-v", $"{suite}:/suite:ro", "-w", "/tmp",
            "-e", "HOME=/tmp", "-e", "DOTNET_CLI_HOME=/tmp", "-e", "DOTNET_NOLOGO=1", "-e", "DOTNET_CLI_TELEMETRY_OPTOUT=1", "-e", "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1",
            "-e", "CI=true",   // a test that cannot run fails instead of skipping
            Image, "--", "/opt/dotnet/dotnet", "test", "/suite/Forge.Sandbox.Tests.dll", "--results-directory", "/tmp/results",
            "--filter", "FullyQualifiedName~LocalSandboxConformanceTests|FullyQualifiedName~WarmPythonTests"]);
        Assert.True(code == 0, $"the sandbox suite failed in the worker container (exit {code}):\n{output}");
        var summary = System.Text.RegularExpressions.Regex.Match(output, @"Failed:\s+(\d+), Passed:\s+(\d+), Skipped:\s+(\d+)");
        Assert.True(summary.Success, output);
        Assert.Equal(("0", "0"), (summary.Groups[1].Value, summary.Groups[3].Value));
        Assert.True(int.Parse(summary.Groups[2].Value) >= 30, $"only {summary.Groups[2].Value} tests ran:\n{output}");
    }
}
