using Forge.Core;
using Forge.Sandbox.Docker;

namespace Forge.Sandbox.Tests.Docker;

public sealed class CgroupCountersTests
{
    [Fact]
    public void Parse_CgroupV1Files_ReadsOomKillsAndRefusedForks()
    {
        var counters = CgroupCounters.Parse(
            "/sys/fs/cgroup/memory/memory.oom_control oom_kill_disable 0\n" +
            "/sys/fs/cgroup/memory/memory.oom_control under_oom 0\n" +
            "/sys/fs/cgroup/memory/memory.oom_control oom_kill 2\n" +
            "/sys/fs/cgroup/pids/pids.events max 17\n");

        Assert.Equal(new CgroupCounters(2, 17), counters);
    }

    [Fact]
    public void Parse_CgroupV2Files_DoesNotMistakeMemoryMaxForRefusedForks()
    {
        var counters = CgroupCounters.Parse(
            "/sys/fs/cgroup/memory.events low 0\n/sys/fs/cgroup/memory.events max 40\n/sys/fs/cgroup/memory.events oom_kill 1\n" +
            "/sys/fs/cgroup/pids.events max 3\n");

        Assert.Equal(new CgroupCounters(1, 3), counters);
    }

    [Fact]
    public void Parse_NothingReadable_GivesZeros() => Assert.Equal(default, CgroupCounters.Parse(""));
}

public sealed class WorkspacePathTests
{
    [Theory]
    [InlineData("a.py", "/workspace/a.py")]
    [InlineData("dir/./b.txt", "/workspace/dir/b.txt")]
    [InlineData("dir//c", "/workspace/dir/c")]
    public void WorkspacePath_Relative_ResolvesUnderTheWorkspace(string path, string expected) =>
        Assert.Equal(expected, DockerSandbox.WorkspacePath(path));

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("../x")]
    [InlineData("a/../../x")]
    [InlineData(".")]
    [InlineData("a\0b")]
    public void WorkspacePath_LeavesTheWorkspace_Throws(string path) =>
        Assert.Throws<ArgumentException>(() => DockerSandbox.WorkspacePath(path));
}

public sealed class ContainerSpecTests
{
    private static readonly SandboxOptions Options = SandboxOptions.Default with { Backend = "docker", MemoryMb = 128, MaxProcesses = 32, CpuSeconds = 7, MaxFileSizeMb = 2 };

    [Fact]
    public void Create_Defaults_LocksTheContainerDown()
    {
        var spec = ContainerSpec.Create("img", Options, new DockerSandboxSettings(), ContainerLabels.For("run", "episode"));
        var host = spec.HostConfig;

        Assert.Equal("none", host.NetworkMode);
        Assert.True(spec.NetworkDisabled);
        Assert.True(host.ReadonlyRootfs);
        Assert.Equal(["ALL"], host.CapDrop);
        Assert.Contains("no-new-privileges", host.SecurityOpt);
        Assert.False(host.Privileged);
        Assert.Equal("65534:65534", spec.User);
        Assert.Equal(128L << 20, host.Memory);
        Assert.Equal(host.Memory, host.MemorySwap);
        Assert.Equal(32, host.PidsLimit);
        Assert.Equal(1_000_000_000, host.NanoCPUs);
        Assert.Contains(host.Ulimits, u => u.Name == "cpu" && u.Soft == 7);
        Assert.Contains(host.Ulimits, u => u.Name == "fsize" && u.Soft == 2L << 20);
        Assert.StartsWith("rw,nosuid,nodev,exec,size=64m", host.Tmpfs["/workspace"]);
        Assert.Contains("/tmp", host.Tmpfs.Keys);
    }

    [Fact]
    public void Create_Labels_NameRunEpisodeAndOwner()
    {
        var spec = ContainerSpec.Create("img", Options, new DockerSandboxSettings(), ContainerLabels.For("run-1", "ep-1"));

        Assert.Equal("run-1", spec.Labels[ContainerLabels.RunId]);
        Assert.Equal("ep-1", spec.Labels[ContainerLabels.SandboxId]);
        Assert.Equal(System.Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), spec.Labels[ContainerLabels.OwnerPid]);
        Assert.False(ContainerLabels.OwnerIsGone(spec.Labels));
    }

    [Fact]
    public void OwnerIsGone_PidOfNoProcess_IsAnOrphan()
    {
        var labels = ContainerLabels.For("run", "ep");
        labels[ContainerLabels.OwnerPid] = "2147483646";

        Assert.True(ContainerLabels.OwnerIsGone(labels));
    }

    [Fact]
    public void OwnerIsGone_AnotherHost_IsNeverAnOrphan()
    {
        var labels = ContainerLabels.For("run", "ep");
        labels[ContainerLabels.OwnerPid] = "2147483646";
        labels[ContainerLabels.OwnerHost] = "some-other-host";

        Assert.False(ContainerLabels.OwnerIsGone(labels));
    }

    [Fact]
    public void Constructor_RootUser_IsRefused() =>
        Assert.Throws<ArgumentException>(() => new DockerSandboxProvider(SandboxOptions.Default with { Backend = "docker" }, new DockerSandboxSettings { User = "0:0" }));
}
