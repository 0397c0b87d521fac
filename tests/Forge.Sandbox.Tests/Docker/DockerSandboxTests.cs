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
    public async Task RunAsync_StdinLargerThanAPipe_ArrivesWhole()
    {
        // Far more than a pipe holds: the supervisor feeds it as the command reads, without stalling anything else.
        var input = string.Concat(Enumerable.Range(0, 300_000).Select(i => $"{i % 97:00} line\n"));
        var sandbox = await SandboxAsync();

        var result = await sandbox.RunAsync(new ExecRequest(["python3", "-c",
            "import hashlib, sys, time\ntime.sleep(0.3)\ndata = sys.stdin.buffer.read()\nprint(len(data), hashlib.sha256(data).hexdigest())"]) { Stdin = input });

        var bytes = System.Text.Encoding.UTF8.GetBytes(input);
        Assert.Equal($"{bytes.Length} {Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes))}\n", result.Stdout);
    }

    [SkippableFact]
    public async Task Files_SeveralMegabytes_RoundTripExactly()
    {
        var content = new byte[3 << 20];
        new Random(7).NextBytes(content);
        var sandbox = await SandboxAsync();

        await sandbox.WriteFileAsync("data/blob.bin", content);
        var back = await sandbox.ReadFileAsync("data/blob.bin");

        Assert.Equal(content, back);
    }

    [SkippableFact]
    public async Task RunAsync_CommandsAtOnce_DoNotWaitForEachOther()
    {
        // One container's commands share the supervisor's stream, multiplexed: a slow one holds up no other.
        var sandbox = await SandboxAsync();
        var slow = sandbox.RunAsync(new ExecRequest(["sh", "-c", "sleep 3; echo slow"]) { Timeout = TimeSpan.FromSeconds(20) });
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var quick = await sandbox.RunAsync(new ExecRequest(["echo", "quick"]));
        var warm = await sandbox.RunPythonAsync(new PythonRequest("print('warm')"));

        Assert.Equal(("quick\n", "warm\n"), (quick.Stdout, warm.Stdout));
        Assert.False(slow.IsCompleted, $"the quick commands took {clock.Elapsed}, longer than the slow one");
        Assert.Equal("slow\n", (await slow).Stdout);
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
