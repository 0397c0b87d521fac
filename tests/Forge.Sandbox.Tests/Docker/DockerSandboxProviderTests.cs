using Docker.DotNet;
using Docker.DotNet.Models;
using Forge.Core;
using Forge.Sandbox.Docker;

namespace Forge.Sandbox.Tests.Docker;

/// <summary>The Docker backend's own behaviour: the pool, labels, orphan reaping and cleaning up after itself.</summary>
public sealed class DockerSandboxProviderTests : IDisposable
{
    private readonly DockerClient _docker = new DockerClientConfiguration(DockerEngine.DefaultEndpoint()).CreateClient();

    // The 200-episode cleanup check lives in the shared conformance suite (DockerSandboxConformanceTests).

    private static DockerSandboxProvider NewProvider(int poolSize = 2) =>
        DockerTestEngine.Provider(SandboxOptions.Default with { PoolSize = poolSize });

    private async Task<IList<ContainerListResponse>> ContainersAsync(string label) =>
        await _docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [label] = true } },
        });

    [SkippableFact]
    public async Task AcquireAsync_PoolFullWithoutReuse_HandsOutARunningContainerAndRefills()
    {
        await using var provider = DockerTestEngine.Provider(SandboxOptions.Default with { PoolSize = 2 }, new DockerSandboxSettings { ReuseContainers = false });
        await provider.WaitForPoolAsync();

        await using var sandbox = (DockerSandbox)await provider.AcquireAsync();
        var state = (await _docker.Containers.InspectContainerAsync(sandbox.ContainerId)).State;

        Assert.True(state.Running);
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await provider.WaitForPoolAsync(wait.Token);
        Assert.Equal(3, (await ContainersAsync($"{ContainerLabels.RunId}={provider.RunId}")).Count);
    }

    [SkippableFact]
    public async Task AcquireAsync_Always_LabelsTheContainerWithRunEpisodeAndOwner()
    {
        await using var provider = NewProvider(poolSize: 0);
        await using var first = (DockerSandbox)await provider.AcquireAsync();
        await using var second = (DockerSandbox)await provider.AcquireAsync();

        var labels = (await _docker.Containers.InspectContainerAsync(first.ContainerId)).Config.Labels;

        Assert.Equal(provider.RunId, labels[ContainerLabels.RunId]);
        Assert.Equal(first.SandboxId, labels[ContainerLabels.SandboxId]);
        Assert.NotEqual(first.SandboxId, second.SandboxId);
        Assert.Equal(System.Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), labels[ContainerLabels.OwnerPid]);
    }

    [SkippableFact]
    public async Task AcquireAsync_AfterAnEpisodeEnds_HandsOutItsContainerResetWithTheDriverRunning()
    {
        await using var provider = NewProvider(poolSize: 1);
        await provider.WaitForPoolAsync();
        string used;
        await using (var sandbox = (DockerSandbox)await provider.AcquireAsync())
        {
            used = sandbox.ContainerId;
            await sandbox.RunPythonAsync(new PythonRequest("print(1)"));
        }
        await provider.WaitForPoolAsync();

        await using var next = (DockerSandbox)await provider.AcquireAsync();

        Assert.Equal(used, next.ContainerId);
        Assert.Equal((1, 1), (provider.ContainersCreated, provider.ContainerResets));
        Assert.Equal(1, next.Python.Starts); // started while the container waited in the pool
        Assert.Equal("warm\n", (await next.RunPythonAsync(new PythonRequest("print('warm')"))).Stdout);
        Assert.Equal(1, next.Python.Starts);
    }

    [SkippableFact]
    public async Task Episodes_OnAReusedContainer_RunWithoutAnyDockerExec()
    {
        var since = DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeSeconds(); // the container's start is in the window too
        await using var provider = NewProvider(poolSize: 1);
        await provider.WaitForPoolAsync();
        var container = "";
        for (var episode = 0; episode < 2; episode++)
        {
            await using var sandbox = (DockerSandbox)await provider.AcquireAsync();
            container = sandbox.ContainerId;
            Assert.Equal("1\n", (await sandbox.RunPythonAsync(new PythonRequest("print(1)"))).Stdout);
            Assert.Equal("2\n", (await sandbox.RunAsync(new ExecRequest(["python3", "-c", "import sys; print(sys.stdin.read())"]) { Stdin = "2" })).Stdout);
            Assert.Equal(3, (await sandbox.RunAsync(new ExecRequest(["sh", "-c", "exit 3"]))).ExitCode); // a failure reads the cgroup counters
            await sandbox.WriteFileAsync("f.txt", "4"u8.ToArray());
            Assert.Equal("4"u8.ToArray(), await sandbox.ReadFileAsync("f.txt"));
        }
        await provider.WaitForPoolAsync(); // the second episode's container reset too
        var until = DateTimeOffset.UtcNow.AddSeconds(1).ToUnixTimeSeconds();

        var events = await ExecEventsAsync(container, since, until);

        Assert.Equal((1, 2), (provider.ContainersCreated, provider.ContainerResets));
        Assert.Empty(events);
    }

    /// <summary>The engine's <c>exec_*</c> events for <paramref name="container"/> between two Unix times.</summary>
    private static async Task<List<string>> ExecEventsAsync(string container, long since, long until)
    {
        var info = new System.Diagnostics.ProcessStartInfo("docker", ["events", "--since", $"{since}", "--until", $"{until}",
            "--filter", $"container={container}", "--format", "{{.Action}}"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = System.Diagnostics.Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await process.StandardError.ReadToEndAsync());
        var actions = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(actions, a => a == "start" || a == "attach"); // the window does cover the container's events
        return [.. actions.Where(a => a.StartsWith("exec_", StringComparison.Ordinal))];
    }

    [SkippableFact]
    public async Task Container_HostLetsGoOfItsSupervisor_Stops()
    {
        // A host that dies leaves no container running episodes: the supervisor's stdin ends, it kills everything and exits.
        await using var provider = NewProvider(poolSize: 0);
        await using var sandbox = (DockerSandbox)await provider.AcquireAsync();
        _ = sandbox.RunAsync(new ExecRequest(["sleep", "300"]) { Timeout = TimeSpan.FromSeconds(300) });
        await Task.Delay(300);

        await sandbox.Supervisor.DisposeAsync();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        while ((await _docker.Containers.InspectContainerAsync(sandbox.ContainerId)).State.Running && clock.Elapsed < TimeSpan.FromSeconds(20))
            await Task.Delay(100);
        Assert.False((await _docker.Containers.InspectContainerAsync(sandbox.ContainerId)).State.Running);
    }

    [SkippableFact]
    public async Task AcquireAsync_PoolFullWithReuse_CountsTheSandboxOutAsComingBack()
    {
        await using var provider = NewProvider(poolSize: 2);
        await provider.WaitForPoolAsync();
        await using var sandbox = (DockerSandbox)await provider.AcquireAsync();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await provider.WaitForPoolAsync(wait.Token);
        await Task.Delay(500);
        Assert.Equal(2, (await ContainersAsync($"{ContainerLabels.RunId}={provider.RunId}")).Count);
    }

    [SkippableFact]
    public async Task AcquireAsync_ReuseOff_GivesEveryEpisodeANewContainer()
    {
        await using var provider = DockerTestEngine.Provider(SandboxOptions.Default with { PoolSize = 1 }, new DockerSandboxSettings { ReuseContainers = false });
        await provider.WaitForPoolAsync();
        string used;
        await using (var sandbox = (DockerSandbox)await provider.AcquireAsync()) used = sandbox.ContainerId;
        await provider.WaitForPoolAsync();

        await using var next = (DockerSandbox)await provider.AcquireAsync();

        Assert.NotEqual(used, next.ContainerId);
        Assert.Equal(0, provider.ContainerResets);
    }

    [SkippableFact]
    public async Task StartAsync_ContainerOfADeadOwner_RemovesItAndSparesLiveOnes()
    {
        DockerTestEngine.Require();
        await using var live = NewProvider(poolSize: 1);
        await live.WaitForPoolAsync();
        var episode = Guid.NewGuid().ToString("N");
        var orphanLabels = ContainerLabels.For("orphan-test", episode);
        orphanLabels[ContainerLabels.OwnerPid] = "2147483646"; // no such process
        var spec = Forge.Sandbox.Docker.ContainerSpec.Create(DockerTestEngine.Image, SandboxOptions.Default, new DockerSandboxSettings(), orphanLabels);
        var orphan = await _docker.Containers.CreateContainerAsync(spec);
        await _docker.Containers.StartContainerAsync(orphan.ID, new ContainerStartParameters());

        await using var provider = NewProvider(poolSize: 0);
        await provider.StartAsync();

        // (Another provider starting at the same moment in this test run may have removed it first.)
        Assert.Empty(await ContainersAsync($"{ContainerLabels.SandboxId}={episode}"));
        Assert.DoesNotContain(await _docker.Containers.ListContainersAsync(new ContainersListParameters { All = true }), c => c.ID == orphan.ID);
        Assert.Single(await ContainersAsync($"{ContainerLabels.RunId}={live.RunId}"));
    }

    [SkippableFact]
    public async Task RunAsync_ContainerRemovedFromOutside_ThrowsAnInfrastructureFault()
    {
        await using var provider = NewProvider(poolSize: 0);
        await using var sandbox = (DockerSandbox)await provider.AcquireAsync();
        await _docker.Containers.RemoveContainerAsync(sandbox.ContainerId, new ContainerRemoveParameters { Force = true });

        var error = await Assert.ThrowsAsync<SandboxException>(() => sandbox.RunAsync(new ExecRequest(["true"])));

        Assert.StartsWith($"The Docker sandbox container {sandbox.ContainerId[..12]} is gone or stopped", error.Message);
    }

    [SkippableFact]
    public async Task DisposeAsync_SandboxesStillOut_RemovesEveryContainerOfTheRun()
    {
        var provider = NewProvider(poolSize: 2);
        var forgotten = await provider.AcquireAsync();
        await forgotten.RunAsync(new ExecRequest(["sh", "-c", "sleep 300 &"]));
        await provider.WaitForPoolAsync();

        await provider.DisposeAsync();

        Assert.Empty(await ContainersAsync($"{ContainerLabels.RunId}={provider.RunId}"));
    }

    public void Dispose() => _docker.Dispose();
}
