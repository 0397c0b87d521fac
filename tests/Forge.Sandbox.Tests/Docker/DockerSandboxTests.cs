using Forge.Core;
using Forge.Sandbox.Docker;

namespace Forge.Sandbox.Tests.Docker;

/// <summary>What a command sees inside a Docker sandbox, and the limits it meets.</summary>
public sealed class DockerSandboxTests : IAsyncLifetime
{
    private DockerSandboxProvider? _provider;
    private ISandbox? _sandbox;

    public Task InitializeAsync() => Task.CompletedTask;

    private async Task<ISandbox> SandboxAsync()
    {
        _provider = DockerTestEngine.Provider(SandboxOptions.Default with { PoolSize = 0, MemoryMb = 128, MaxProcesses = 32 });
        return _sandbox = await _provider.AcquireAsync();
    }

    /// <summary>The command names of the processes alive in the container (zombies left out).</summary>
    private const string LiveProcesses = "for p in /proc/[0-9]*; do [ \"$(cut -d' ' -f3 $p/stat 2>/dev/null)\" = Z ] || cat $p/comm 2>/dev/null; done";

    private async Task<ExecResult> Sh(string script, TimeSpan? timeout = null) =>
        await (_sandbox ?? await SandboxAsync()).RunAsync(new ExecRequest(["sh", "-c", script]) { Timeout = timeout ?? TimeSpan.FromSeconds(10) });

    [SkippableFact]
    public async Task RunAsync_Identity_IsNonRootWithoutCapabilitiesAndNoNewPrivileges()
    {
        var result = await Sh("id -u; id -g; grep -E '^(CapEff|CapPrm|CapBnd|NoNewPrivs):' /proc/self/status");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            "65534\n65534\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapBnd:\t0000000000000000\nNoNewPrivs:\t1\n",
            result.Stdout);
    }

    [SkippableFact]
    public async Task RunAsync_Supervisor_CannotBeSignalledTracedOrRead()
    {
        // PID 1 is the supervisor (root, with the few capabilities it needs); code runs as another uid with none.
        var result = await (await SandboxAsync()).RunAsync(new ExecRequest(["python3", "-c",
            "import ctypes, os\n" +
            "def attempt(name, action):\n" +
            "    try:\n" +
            "        action()\n" +
            "        print(name, 'allowed')\n" +
            "    except OSError as e:\n" +
            "        print(name, e.strerror)\n" +
            "attempt('kill', lambda: os.kill(1, 9))\n" +
            "attempt('fd', lambda: os.listdir('/proc/1/fd'))\n" +
            "attempt('stdin', lambda: open('/proc/1/fd/0', 'wb'))\n" +
            "attempt('environ', lambda: open('/proc/1/environ').read())\n" +
            "attempt('mem', lambda: open('/proc/1/mem', 'rb'))\n" +
            "libc = ctypes.CDLL(None, use_errno=True)\n" +
            "print('ptrace', libc.ptrace(16, 1, 0, 0), os.strerror(ctypes.get_errno()))\n" +   // PTRACE_ATTACH
            "print('uid of 1', os.stat('/proc/1').st_uid, 'mine', os.getuid())"]) { Timeout = TimeSpan.FromSeconds(10) });

        Assert.Equal(
            "kill Operation not permitted\nfd Permission denied\nstdin Permission denied\nenviron Permission denied\nmem Permission denied\n" +
            "ptrace -1 Operation not permitted\nuid of 1 0 mine 65534\n",
            result.Stdout);
    }

    [SkippableFact]
    public async Task RunAsync_Command_InheritsOnlyItsOwnStdinStdoutAndStderr()
    {
        // Nothing of the supervisor's (its attached stream, its pipes to other commands) is open in a command.
        var result = await (await SandboxAsync()).RunAsync(new ExecRequest(["python3", "-c",
            "import os\nfor fd in sorted(int(n) for n in os.listdir('/proc/self/fd')):\n" +
            "    try:\n        print(fd, os.readlink('/proc/self/fd/%d' % fd).split(':')[0])\n    except OSError:\n        pass"]) { Stdin = "" });

        // The listing's own handle on /proc/self/fd is closed by the time it is read back, so it is not printed.
        Assert.Equal("0 pipe\n1 pipe\n2 pipe\n", result.Stdout);
    }

    [SkippableFact]
    public async Task RunAsync_WriteOutsideTheWorkspace_FailsOnTheReadOnlyRoot()
    {
        var result = await Sh("touch /etc/forge-probe 2>&1; touch /usr/forge-probe 2>&1; echo ok > /workspace/inside && cat /workspace/inside");

        Assert.Equal(
            "touch: cannot touch '/etc/forge-probe': Read-only file system\ntouch: cannot touch '/usr/forge-probe': Read-only file system\nok\n",
            result.Stdout);
    }

    [SkippableFact]
    public async Task RunAsync_Network_OnlyLoopbackExists()
    {
        var result = await Sh("ls /sys/class/net");

        Assert.Equal("lo\n", result.Stdout);
    }

    [SkippableFact]
    public async Task RunAsync_BackgroundChildHoldingOutput_ReturnsWhenTheCommandEnds()
    {
        var result = await Sh("sleep 60 & echo started", TimeSpan.FromSeconds(20));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("started\n", result.Stdout);
        Assert.True(result.Duration < TimeSpan.FromSeconds(10), $"took {result.Duration}");
        Assert.Equal("", (await Sh(LiveProcesses + " | grep -x sleep || true")).Stdout);
    }

    [SkippableFact]
    public async Task RunAsync_EscapedSessionKeepsOutputOpen_ReturnsWhenTheCommandEnds()
    {
        var result = await (await SandboxAsync()).RunAsync(new ExecRequest(["python3", "-c",
            "import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(600)\nprint('parent done')"]) { Timeout = TimeSpan.FromSeconds(20) });

        Assert.Equal(SandboxLimit.None, result.Limit);
        Assert.Equal("parent done\n", result.Stdout);
        Assert.True(result.Duration < TimeSpan.FromSeconds(10), $"took {result.Duration}");
    }

    public async Task DisposeAsync()
    {
        if (_sandbox is not null) await _sandbox.DisposeAsync();
        if (_provider is not null) await _provider.DisposeAsync();
    }
}
