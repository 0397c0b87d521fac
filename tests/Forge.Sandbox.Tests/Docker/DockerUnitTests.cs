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
        // Only the supervisor (PID 1) holds these; it starts every command as the sandbox user with none (RunAsync_Identity_…).
        Assert.Equal(["KILL", "SETUID", "SETGID", "SETPCAP"], host.CapAdd);
        Assert.Contains("no-new-privileges", host.SecurityOpt);
        Assert.False(host.Privileged);
        Assert.Equal("0:0", spec.User);
        Assert.Contains("{\"uid\":65534,\"gid\":65534,\"cpu_seconds\":7,\"workdir\":\"/workspace\"}", spec.Cmd);
        Assert.True(spec.OpenStdin && spec.StdinOnce);
        Assert.Equal(128L << 20, host.Memory);
        Assert.Equal(host.Memory, host.MemorySwap);
        Assert.Equal(32, host.PidsLimit);
        Assert.Equal(1_000_000_000, host.NanoCPUs);
        Assert.DoesNotContain(host.Ulimits, u => u.Name == "cpu"); // per command, by the supervisor: its own CPU time adds up over episodes
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

    [Theory]
    [InlineData("nobody")]
    [InlineData("65534:nogroup")]
    [InlineData("1:2:3")]
    public void Constructor_UserNotNumeric_IsRefusedNamingIt(string user)
    {
        var error = Assert.Throws<ArgumentException>(() => new DockerSandboxProvider(SandboxOptions.Default with { Backend = "docker" }, new DockerSandboxSettings { User = user }));
        Assert.Contains($"'{user}' must be numeric", error.Message);
    }

    [Fact]
    public void SandboxUser_UidAlone_IsAlsoTheGid() => Assert.Equal((1000, 1000), ContainerSpec.SandboxUser("1000"));
}

public sealed class SupervisorFramesTests
{
    [Fact]
    public void Encode_ThenHeader_RoundTrips()
    {
        var frame = SupervisorFrames.Encode(SupervisorFrames.Stdin, 0x01020304, "abc"u8);

        Assert.Equal(new byte[] { 0, 0, 0, 3, (byte)'I', 1, 2, 3, 4, (byte)'a', (byte)'b', (byte)'c' }, frame);
        Assert.Equal((3, SupervisorFrames.Stdin, 0x01020304u), SupervisorFrames.Header(frame));
    }

    [Fact]
    public void Header_LengthPastTheLimit_IsRefused()
    {
        var frame = SupervisorFrames.Encode(SupervisorFrames.Stdout, 1, []);
        frame[0] = 0x7f;

        var error = Assert.Throws<InvalidDataException>(() => SupervisorFrames.Header(frame));
        Assert.Contains("supervisor sent a frame of", error.Message);
    }
}
