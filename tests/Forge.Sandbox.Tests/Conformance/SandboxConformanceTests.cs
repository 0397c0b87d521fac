using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Forge.Sandbox.Tests.Conformance;

/// <summary>
/// The contract and security suite every sandbox backend passes. A backend's test class inherits it and says how to make
/// its provider (skipping, through <see cref="Requirement"/>, where the machine can't run it) and how to find what a
/// provider's run left behind. Each test uses its own provider and checks nothing of it remains afterwards.
/// </summary>
public abstract class SandboxConformanceTests<TProvider> : IAsyncLifetime where TProvider : class, ISandboxProvider
{
    private readonly List<TProvider> _providers = [];

    /// <summary>The options a backend's tests start from (image names and the like); limits are set by each test.</summary>
    protected virtual SandboxOptions BaseOptions => new() { MemoryMb = 256, MaxProcesses = 64, CpuSeconds = 30, TimeoutSeconds = 60 };

    /// <summary>Makes a provider, or skips the test (<see cref="Requirement.Skip"/>) when the backend can't run here.</summary>
    protected abstract Task<TProvider> CreateProviderAsync(SandboxOptions options);

    /// <summary>
    /// What of <paramref name="provider"/>'s sandboxes is still there (processes, folders, cgroups, containers), one line
    /// each — and, once the provider is disposed, what of the provider itself is.
    /// </summary>
    protected abstract IReadOnlyList<string> Leftovers(TProvider provider);

    /// <summary>Completes once the provider's pool is full again (a backend that reuses sandboxes has taken the last one back).</summary>
    protected abstract Task WaitForPoolAsync(TProvider provider);

    /// <summary>A provider with <see cref="BaseOptions"/> changed by <paramref name="change"/>; disposed and checked for leftovers after the test.</summary>
    protected async Task<TProvider> ProviderAsync(Func<SandboxOptions, SandboxOptions>? change = null)
    {
        var provider = await CreateProviderAsync(change is null ? BaseOptions : change(BaseOptions));
        _providers.Add(provider);
        return provider;
    }

    /// <summary>A sandbox from a fresh provider.</summary>
    protected async Task<ISandbox> SandboxAsync(Func<SandboxOptions, SandboxOptions>? change = null) =>
        await (await ProviderAsync(change)).AcquireAsync();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
            var left = await WaitUntilGoneAsync(provider);
            Assert.True(left.Count == 0, "Left behind after the provider was disposed: " + string.Join("; ", left));
        }
    }

    private async Task<IReadOnlyList<string>> WaitUntilGoneAsync(TProvider provider)
    {
        var until = Stopwatch.StartNew();
        while (true)
        {
            var left = Leftovers(provider);
            if (left.Count == 0 || until.Elapsed > TimeSpan.FromSeconds(5)) return left;
            await Task.Delay(50);
        }
    }

    private static ExecRequest Sh(string script, TimeSpan? timeout = null) =>
        new(["/bin/sh", "-c", script]) { Timeout = timeout ?? TimeSpan.FromSeconds(20) };

    private static ExecRequest Py(string code, TimeSpan? timeout = null) =>
        new(["python3", "-c", code]) { Timeout = timeout ?? TimeSpan.FromSeconds(20) };

    // ── the contract ─────────────────────────────────────────────────────────────

    [SkippableFact]
    public async Task RunAsync_Echo_ReturnsOutputAndExitCode()
    {
        await using var sandbox = await SandboxAsync();
        var result = await sandbox.RunAsync(Sh("echo out; echo err >&2; exit 3"));
        Assert.Equal((3, "out\n", "err\n", SandboxLimit.None, false), (result.ExitCode, result.Stdout, result.Stderr, result.Limit, result.OutputTruncated));
    }

    [SkippableFact]
    public async Task RunAsync_StdinAndEnvironment_ReachTheCommand()
    {
        await using var sandbox = await SandboxAsync();
        var result = await sandbox.RunAsync(new ExecRequest(["/bin/sh", "-c", "read line; echo \"$line $GREETING\""])
        {
            Stdin = "hello\n",
            Environment = new Dictionary<string, string> { ["GREETING"] = "world" },
        });
        Assert.Equal("hello world\n", result.Stdout);
        Assert.True(result.Succeeded);
    }

    [SkippableFact]
    public async Task Files_WrittenByHost_AreSeenByCodeAndBack()
    {
        await using var sandbox = await SandboxAsync();
        await sandbox.WriteFileAsync("dir/in.txt", Encoding.UTF8.GetBytes("21"));
        var result = await sandbox.RunAsync(Py("print(int(open('dir/in.txt').read()) * 2); open('out.txt', 'w').write('done')"));
        Assert.Equal("42\n", result.Stdout);
        Assert.Equal("done", Encoding.UTF8.GetString(await sandbox.ReadFileAsync("out.txt")));
    }

    [SkippableFact]
    public async Task ReadFileAsync_PathLeavingTheWorkspace_IsRefused()
    {
        await using var sandbox = await SandboxAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => sandbox.ReadFileAsync("../../../../etc/passwd"));
        await Assert.ThrowsAnyAsync<Exception>(() => sandbox.ReadFileAsync("/etc/passwd"));
    }

    [SkippableFact]
    public async Task ReadFileAsync_LinkPlantedByCode_DoesNotReachHostFiles()
    {
        await using var sandbox = await SandboxAsync();
        var secret = Path.Combine(Path.GetTempPath(), $"forge-secret-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(secret, "host secret");
        try
        {
            await sandbox.RunAsync(Sh($"ln -s {secret} leak; ln -s /etc/hostname leak2; ln -s {Path.GetTempPath()} dirlink"));
            foreach (var path in new[] { "leak", "leak2", "dirlink/" + Path.GetFileName(secret) })
            {
                var content = await TryReadAsync(sandbox, path);
                Assert.NotEqual("host secret", content);
            }
            await Assert.ThrowsAnyAsync<Exception>(() => sandbox.WriteFileAsync("dirlink/planted", Encoding.UTF8.GetBytes("x")));
            Assert.False(File.Exists(Path.Combine(Path.GetTempPath(), "planted")));
        }
        finally
        {
            File.Delete(secret);
        }
    }

    internal static async Task<string?> TryReadAsync(ISandbox sandbox, string path)
    {
        try
        {
            return Encoding.UTF8.GetString(await sandbox.ReadFileAsync(path));
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            return null;
        }
    }

    // ── network ─────────────────────────────────────────────────────────────────

    [SkippableFact]
    public async Task Network_DnsLookup_Fails()
    {
        await using var sandbox = await SandboxAsync();
        var result = await sandbox.RunAsync(Py("import socket\ntry:\n    print(socket.getaddrinfo('deb.debian.org', 80))\nexcept OSError as e:\n    print('blocked', e)"));
        Assert.StartsWith("blocked", result.Stdout);
    }

    [SkippableFact]
    public async Task Network_ConnectToHostLoopbackListener_Fails()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accepted = listener.AcceptTcpClientAsync();
        await using var sandbox = await SandboxAsync();
        var result = await sandbox.RunAsync(Py(
            $"import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=3)\n    print('connected')\nexcept OSError as e:\n    print('blocked', e)"));
        Assert.StartsWith("blocked", result.Stdout);
        Assert.False(accepted.IsCompleted, "The sandbox reached a port listening on the host's loopback.");
    }

    // ── the host's files ─────────────────────────────────────────────────────────

    [SkippableFact]
    public async Task HostFiles_ShadowRootAndRepository_AreNotReadable()
    {
        await using var sandbox = await SandboxAsync();
        var repository = typeof(SandboxConformanceTests<>).Assembly.Location;
        foreach (var path in new[] { "/etc/shadow", "/root", repository, Path.GetDirectoryName(repository)! })
        {
            var result = await sandbox.RunAsync(Py(
                $"import os\np = {PyString(path)}\ntry:\n    print('listed', os.listdir(p)) if os.path.isdir(p) else print('read', len(open(p, 'rb').read()))\nexcept OSError as e:\n    print('blocked', e)"));
            Assert.True(result.Stdout.StartsWith("blocked", StringComparison.Ordinal) || result.Stdout.StartsWith("listed []", StringComparison.Ordinal),
                $"{path}: {result.Stdout}{result.Stderr}");
        }
    }

    [SkippableFact]
    public async Task Writes_OutsideTheWorkspace_FailOrStayInside()
    {
        await using var sandbox = await SandboxAsync();
        var marker = $"forge-escape-{Guid.NewGuid():N}";
        foreach (var dir in new[] { "/usr", "/etc", "/", "/bin" })
        {
            var result = await sandbox.RunAsync(Sh($"echo x > {dir.TrimEnd('/')}/{marker} && echo written"));
            Assert.DoesNotContain("written", result.Stdout);
        }
        // A private /tmp may accept writes, but nothing may reach the host's.
        await sandbox.RunAsync(Sh($"echo x > /tmp/{marker}"));
        Assert.False(File.Exists(Path.Combine("/tmp", marker)));
        Assert.False(File.Exists(Path.Combine(Path.GetTempPath(), marker)));
    }

    // ── limits ──────────────────────────────────────────────────────────────────

    [SkippableFact]
    public async Task InfiniteLoop_DiesAtTheDeadline()
    {
        await using var sandbox = await SandboxAsync();
        var result = await sandbox.RunAsync(Py("while True: pass", TimeSpan.FromSeconds(1)));
        Assert.Equal(SandboxLimit.Deadline, result.Limit);
        Assert.InRange(result.Duration, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
    }

    [SkippableFact]
    public async Task CpuHog_StopsAtTheCpuLimit()
    {
        // One CPU-second can take many wall-clock seconds on a busy machine: the deadline is kept far away.
        await using var sandbox = await SandboxAsync(o => o with { CpuSeconds = 1, TimeoutSeconds = 300 });
        var result = await sandbox.RunAsync(Py("while True: pass", TimeSpan.FromSeconds(300)));
        Assert.Equal(SandboxLimit.CpuTime, result.Limit);
    }

    [SkippableFact]
    public async Task MemoryBomb_IsContainedAndReported()
    {
        await using var sandbox = await SandboxAsync(o => o with { MemoryMb = 128 });
        var result = await sandbox.RunAsync(Py("blocks = []\nwhile True:\n    blocks.append(bytearray(16 << 20))"));
        Assert.Equal(SandboxLimit.Memory, result.Limit);
        Assert.NotEqual(0, result.ExitCode);
    }

    [SkippableFact]
    public async Task ForkBomb_IsContainedAndTheHostStaysResponsive()
    {
        await using var sandbox = await SandboxAsync(o => o with { MaxProcesses = 32 });
        var bomb = sandbox.RunAsync(Py("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass", TimeSpan.FromSeconds(4)));
        await Task.Delay(500);
        var clock = Stopwatch.StartNew();
        using (var host = Process.Start(new ProcessStartInfo("/bin/true") { UseShellExecute = false })!)
            await host.WaitForExitAsync();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"The host took {clock.Elapsed} to start a process during the fork bomb.");
        var result = await bomb;
        Assert.Contains(result.Limit, new[] { SandboxLimit.Processes, SandboxLimit.Deadline });
        var after = await sandbox.RunAsync(Sh("echo alive"));
        Assert.Equal("alive\n", after.Stdout);
    }

    [SkippableFact]
    public async Task ForkFailure_IsReportedAsTheProcessLimit()
    {
        await using var sandbox = await SandboxAsync(o => o with { MaxProcesses = 16 });
        var result = await sandbox.RunAsync(Py("import os, time\nfor _ in range(64):\n    if os.fork() == 0:\n        time.sleep(30)\n        os._exit(0)"));
        Assert.Equal(SandboxLimit.Processes, result.Limit);
    }

    [SkippableFact]
    public async Task BigFile_StopsAtTheFileSizeLimit()
    {
        await using var sandbox = await SandboxAsync(o => o with { MaxFileSizeMb = 1 });
        var result = await sandbox.RunAsync(Sh("head -c 5000000 /dev/zero > big.bin"));
        Assert.Equal(SandboxLimit.FileSize, result.Limit);
        Assert.True((await sandbox.ReadFileAsync("big.bin")).Length <= 1 << 20);
    }

    [SkippableFact]
    public async Task HugeOutput_IsTruncatedAndSaysSo()
    {
        await using var sandbox = await SandboxAsync();
        var result = await sandbox.RunAsync(Py("import sys\nchunk = 'x' * (1 << 20)\nfor _ in range(100):\n    sys.stdout.write(chunk)") with { OutputLimitBytes = 64 * 1024 });
        Assert.Equal(SandboxLimit.Output, result.Limit);
        Assert.True(result.OutputTruncated);
        Assert.Equal(64 * 1024, result.Stdout.Length);
    }

    // ── processes left behind ────────────────────────────────────────────────────

    [SkippableFact]
    public async Task BackgroundProcesses_AreKilledAtDispose()
    {
        var provider = await ProviderAsync();
        var marker = $"forge-marker-{Guid.NewGuid():N}";
        var sandbox = await provider.AcquireAsync();
        var spawn = $"import subprocess\nsubprocess.Popen([{PyString(marker)}, '600'], executable='sleep', start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)";
        await sandbox.RunPythonAsync(new PythonRequest(spawn));
        var background = sandbox.RunAsync(Sh($"python3 -c {ShString(spawn)}; sleep 600", TimeSpan.FromSeconds(60)));
        await WaitForAsync(() => HostProcesses(marker).Count >= 2, TimeSpan.FromSeconds(10));
        Assert.True(HostProcesses(marker).Count >= 2, "The background processes never started.");
        await sandbox.DisposeAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => background.WaitAsync(TimeSpan.FromSeconds(10)));
        await WaitForAsync(() => HostProcesses(marker).Count == 0, TimeSpan.FromSeconds(5));
        Assert.Empty(HostProcesses(marker));
    }

    [SkippableFact]
    public async Task TwoHundredEpisodes_SomeDisposedMidCommand_LeaveNothingBehind()
    {
        var provider = await ProviderAsync();
        var interrupted = 0;
        await Parallel.ForAsync(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            var sandbox = await provider.AcquireAsync();
            try
            {
                if (i % 10 == 0)
                {
                    var running = sandbox.RunAsync(Sh("sleep 60 & sleep 60", TimeSpan.FromSeconds(60)));
                    await Task.Delay(50);
                    await sandbox.DisposeAsync();
                    await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(TimeSpan.FromSeconds(10)));
                    Interlocked.Increment(ref interrupted);
                    return;
                }
                var result = i % 3 == 0
                    ? await sandbox.RunPythonAsync(new PythonRequest($"print({i} * 2)"))
                    : await sandbox.RunAsync(Sh($"echo $(({i} * 2))"));
                Assert.Equal($"{i * 2}\n", result.Stdout);
            }
            finally
            {
                await sandbox.DisposeAsync();
            }
        });
        Assert.Equal(20, interrupted);
        // The run ends: whatever a pool keeps ready goes too, and nothing of the 200 episodes may remain.
        await provider.DisposeAsync();
        await WaitForAsync(() => Leftovers(provider).Count == 0, TimeSpan.FromSeconds(5));
        Assert.Empty(Leftovers(provider));
    }

    [SkippableFact]
    public async Task AttackedSandbox_DoesNotStopAnotherFromFinishing()
    {
        var provider = await ProviderAsync(o => o with { MaxProcesses = 32, MemoryMb = 128 });
        await using var attacked = await provider.AcquireAsync();
        await using var normal = await provider.AcquireAsync();
        var attacks = Task.WhenAll(
            attacked.RunAsync(Py("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass", TimeSpan.FromSeconds(5))),
            attacked.RunAsync(Py("b = []\nwhile True:\n    b.append(bytearray(8 << 20))", TimeSpan.FromSeconds(5))),
            attacked.RunAsync(Py("while True: print('x' * 1000)", TimeSpan.FromSeconds(5))));
        for (var i = 0; i < 5; i++)
        {
            var result = await normal.RunAsync(Py($"print(sum(range({i * 1000})))"));
            Assert.Equal($"{Enumerable.Range(0, i * 1000).Sum()}\n", result.Stdout);
            Assert.True(result.Succeeded);
        }
        await attacks;
    }

    [SkippableFact]
    public async Task ForkBomb_InOneSandbox_DoesNotStopAnotherFromForking() =>
        await ForkIsolation.AssertBombDoesNotStopAnotherAsync(await ProviderAsync(o => o with { MaxProcesses = 16, PoolSize = 0 }));

    // ── one episode after another ────────────────────────────────────────────────

    /// <summary>What an episode can see of its sandbox when it starts: files, modes and attributes of the writable places, other processes, IPC objects, its environment.</summary>
    private const string Observe =
        "import json, os\n" +
        "me = os.getpid()\n" +
        "mine = {me}\n" +
        "p = me\n" +
        "while p > 1:\n" +
        "    try:\n" +
        "        p = int(open('/proc/%d/stat' % p).read().rsplit(')', 1)[1].split()[1]); mine.add(p)\n" +
        "    except (OSError, ValueError, IndexError):\n" +
        "        break\n" +
        "def read(path):\n" +
        "    try:\n" +
        "        return open(path, 'rb').read().replace(b'\\0', b' ').decode('utf-8', 'replace')\n" +
        "    except OSError as e:\n" +
        "        return 'unreadable'\n" +
        "def listing(d):\n" +
        "    try:\n" +
        "        return sorted(os.listdir(d))\n" +
        "    except OSError as e:\n" +
        "        return e.strerror\n" +
        "def attrs(d):\n" +
        "    try:\n" +
        "        return [oct(os.stat(d).st_mode), sorted(os.listxattr(d))]\n" +
        "    except OSError as e:\n" +
        "        return e.strerror\n" +
        "places = ['/workspace', '/tmp', '/dev/shm', '/dev/mqueue']\n" +
        "procs = sorted(read('/proc/%s/comm' % n).strip() for n in os.listdir('/proc') if n.isdigit() and int(n) not in mine and read('/proc/%s/stat' % n).rsplit(')', 1)[-1].split()[:1] != ['Z'])\n" +
        "traces = [n for n in os.listdir('/proc') if n.isdigit() and any(MARKER in read('/proc/%s/%s' % (n, f)) for f in ('cmdline', 'environ'))]\n" +
        "print(json.dumps({'files': {d: listing(d) for d in places}, 'attrs': {d: attrs(d) for d in places}, 'processes': procs,\n" +
        "    'traces': [t for t in traces if int(t) not in mine], 'ipc': {k: read('/proc/sysvipc/' + k).splitlines()[1:] for k in ('shm', 'sem', 'msg')},\n" +
        "    'env': sorted(k for k in os.environ)}, sort_keys=True))\n";

    /// <summary>Leaves everything an episode could: files (in folders it locked), changed modes and attributes, background processes that left its session, IPC objects, a session's variables.</summary>
    private const string LeaveTraces =
        "import ctypes, os, subprocess\n" +
        "for d in ('/workspace', '/tmp', '/dev/shm', '/dev/mqueue'):\n" +
        "    try:\n" +
        "        open(os.path.join(d, MARKER), 'w').write(MARKER)\n" +
        "    except OSError:\n" +
        "        pass\n" +
        "os.makedirs('/workspace/locked/deeper', exist_ok=True)\n" +
        "open('/workspace/locked/deeper/' + MARKER, 'w').write(MARKER)\n" +
        "os.chmod('/workspace/locked/deeper', 0)\n" +
        "os.chmod('/workspace/locked', 0)\n" +
        "for d in ('/workspace', '/tmp'):\n" +
        "    try:\n" +
        "        os.setxattr(d, 'user.' + MARKER, b'1')\n" +
        "    except OSError:\n" +
        "        pass\n" +
        "try:\n" +
        "    os.chmod('/tmp', 0o700)\n" +
        "except OSError:\n" +
        "    pass\n" +
        "libc = ctypes.CDLL(None)\n" +
        "libc.shmget(4242, 4096, 0o1666); libc.semget(4243, 1, 0o1666); libc.msgget(4244, 0o1666)\n" +
        "for tool in (['setsid', 'nohup', 'sleep', '600'], ['sleep', '601']):\n" +
        "    subprocess.Popen(tool, start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ, LEFT_BY=MARKER))\n" +
        "if os.fork() == 0:\n" +
        "    os.setsid()\n" +
        "    if os.fork() == 0:\n" +
        "        os.execvp('sleep', ['sleep', '602', MARKER])\n" +
        "    os._exit(0)\n" +
        "print('left')\n";

    [SkippableFact]
    public async Task NextEpisode_SeesNothingThePreviousOneLeftBehind()
    {
        // A pool of one: on a backend that reuses sandboxes, the second episode gets the first one's sandbox, reset.
        var provider = await ProviderAsync(o => o with { PoolSize = 1 });
        await WaitForPoolAsync(provider);
        var marker = $"forge_trace_{Guid.NewGuid():N}";
        var observe = Py($"MARKER = {PyString(marker)}\n" + Observe);
        string fresh;
        await using (var first = await provider.AcquireAsync())
        {
            var seen = await first.RunAsync(observe);
            Assert.True(seen.Succeeded, seen.Stderr);
            fresh = seen.Stdout;
            var left = await first.RunAsync(Py($"MARKER = {PyString(marker)}\n" + LeaveTraces) with
            {
                Environment = new Dictionary<string, string> { ["EPISODE_SECRET"] = marker },
            });
            Assert.True(left.Stdout == "left\n", left.Stderr);
            await first.RunPythonAsync(new PythonRequest($"import os\nos.environ['EPISODE_SECRET'] = {PyString(marker)}\nsecret = {PyString(marker)}") { Session = true });
            await first.RunPythonAsync(new PythonRequest($"import subprocess\nsubprocess.Popen(['sleep', '603', {PyString(marker)}], start_new_session=True)"));
        }
        await WaitForPoolAsync(provider);

        await using var next = await provider.AcquireAsync();
        var after = await next.RunAsync(observe);
        Assert.True(after.Succeeded, after.Stderr);
        Assert.Equal(fresh, after.Stdout);
        Assert.DoesNotContain(marker, after.Stdout);
        var session = await next.RunPythonAsync(new PythonRequest("import os\nprint('secret' in globals(), 'EPISODE_SECRET' in os.environ)") { Session = true });
        Assert.Equal("False False\n", session.Stdout);
        await WaitForAsync(() => HostProcesses(marker).Count == 0, TimeSpan.FromSeconds(5));
        Assert.Empty(HostProcesses(marker));
    }

    // ── warm Python ──────────────────────────────────────────────────────────────

    [SkippableFact]
    public async Task RunPythonAsync_EachSnippet_GetsFreshState()
    {
        await using var sandbox = await SandboxAsync();
        var first = await sandbox.RunPythonAsync(new PythonRequest("import builtins\nx = 41\nbuiltins.print = lambda *a, **k: None\nimport sys\nsys.modules['json'] = None"));
        Assert.True(first.Succeeded, first.Stderr);
        var second = await sandbox.RunPythonAsync(new PythonRequest("import json\ntry:\n    print(x)\nexcept NameError:\n    print('fresh', json.dumps([1]))"));
        Assert.Equal("fresh [1]\n", second.Stdout);
    }

    [SkippableFact]
    public async Task RunPythonAsync_ErrorsExitsAndStdin_AreReported()
    {
        await using var sandbox = await SandboxAsync();
        var raised = await sandbox.RunPythonAsync(new PythonRequest("raise ValueError('bad')"));
        Assert.Equal(1, raised.ExitCode);
        Assert.Contains("ValueError: bad", raised.Stderr);
        var exited = await sandbox.RunPythonAsync(new PythonRequest("import sys\nsys.exit(7)"));
        Assert.Equal(7, exited.ExitCode);
        var echoed = await sandbox.RunPythonAsync(new PythonRequest("print(input()[::-1])") { Stdin = "abc\n" });
        Assert.Equal("cba\n", echoed.Stdout);
    }

    [SkippableFact]
    public async Task RunPythonAsync_CodeThatKillsTheInterpreter_IsRestartedTransparently()
    {
        await using var sandbox = await SandboxAsync();
        foreach (var killer in new[] { "import os\nos.kill(os.getppid(), 9)", "import os\nos._exit(3)", "import ctypes\nctypes.string_at(0)" })
        {
            var killed = await sandbox.RunPythonAsync(new PythonRequest(killer));
            Assert.False(killed.Succeeded, killer);
            var next = await sandbox.RunPythonAsync(new PythonRequest("print('next')"));
            Assert.Equal("next\n", next.Stdout);
        }
    }

    [SkippableFact]
    public async Task RunPythonAsync_LimitsApply()
    {
        await using var sandbox = await SandboxAsync(o => o with { MemoryMb = 128 });
        var loop = await sandbox.RunPythonAsync(new PythonRequest("while True: pass") { Timeout = TimeSpan.FromSeconds(1) });
        Assert.Equal(SandboxLimit.Deadline, loop.Limit);
        var output = await sandbox.RunPythonAsync(new PythonRequest("while True: print('y' * 100)") { OutputLimitBytes = 10_000 });
        Assert.Equal((SandboxLimit.Output, true, 10_000), (output.Limit, output.OutputTruncated, output.Stdout.Length));
        var memory = await sandbox.RunPythonAsync(new PythonRequest("b = []\nwhile True:\n    b.append(bytearray(16 << 20))"));
        Assert.Equal(SandboxLimit.Memory, memory.Limit);
        var after = await sandbox.RunPythonAsync(new PythonRequest("print('ok')"));
        Assert.Equal("ok\n", after.Stdout);
    }

    // ── stateful Python session ──────────────────────────────────────────────────

    private static PythonRequest Session(string code) => new(code) { Session = true };

    [SkippableFact]
    public async Task RunPythonAsync_Session_KeepsGlobalsFromCallToCall_AndFreshSnippetsDontSeeThem()
    {
        await using var sandbox = await SandboxAsync();
        var define = await sandbox.RunPythonAsync(Session("import json\nx = 41\ndef twice(v):\n    return 2 * v"));
        Assert.True(define.Succeeded, define.Stderr);
        var use = await sandbox.RunPythonAsync(Session("print(x + 1, twice(x), json.dumps([x]), __name__)"));
        Assert.Equal("42 82 [41] __main__\n", use.Stdout);
        var fresh = await sandbox.RunPythonAsync(new PythonRequest("print('x' in globals())"));
        Assert.Equal("False\n", fresh.Stdout);
        var echoed = await sandbox.RunPythonAsync(Session("print(input()[::-1], x)") with { Stdin = "abc\n" });
        Assert.Equal("cba 41\n", echoed.Stdout);
    }

    [SkippableFact]
    public async Task RunPythonAsync_Session_ErrorsDeadlineAndOutputCap_StopTheSnippetNotTheSession()
    {
        await using var sandbox = await SandboxAsync();
        await sandbox.RunPythonAsync(Session("x = 7"));
        var raised = await sandbox.RunPythonAsync(Session("x = 8\nraise ValueError('bad')"));
        Assert.Equal(1, raised.ExitCode);
        Assert.Contains("ValueError: bad", raised.Stderr);
        var loop = await sandbox.RunPythonAsync(Session("while True: pass") with { Timeout = TimeSpan.FromSeconds(1) });
        Assert.Equal(SandboxLimit.Deadline, loop.Limit);
        var output = await sandbox.RunPythonAsync(Session("while True: print('y' * 100)") with { OutputLimitBytes = 10_000 });
        Assert.Equal((SandboxLimit.Output, true, 10_000), (output.Limit, output.OutputTruncated, output.Stdout.Length));
        var exited = await sandbox.RunPythonAsync(Session("import sys\nsys.exit(3)"));
        Assert.Equal(3, exited.ExitCode);
        var after = await sandbox.RunPythonAsync(Session("print(x)"));
        Assert.Equal("8\n", after.Stdout);
    }

    [SkippableFact]
    public async Task RunPythonAsync_Session_KilledInterpreter_StartsEmptyAndSaysSo()
    {
        await using var sandbox = await SandboxAsync();
        await sandbox.RunPythonAsync(Session("x = 1"));
        var killed = await sandbox.RunPythonAsync(Session("import os\nos._exit(3)"));
        Assert.False(killed.Succeeded);
        Assert.Contains("the session's variables are gone", killed.Stderr);
        var next = await sandbox.RunPythonAsync(Session("print('x' in globals())"));
        Assert.Equal("False\n", next.Stdout);
    }

    [SkippableFact]
    public async Task RunPythonAsync_Session_KeepsTheSandboxIsolation()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accepted = listener.AcceptTcpClientAsync();
        await using var sandbox = await SandboxAsync();
        var network = await sandbox.RunPythonAsync(Session(
            $"import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=3)\n    print('connected')\nexcept OSError as e:\n    print('blocked')"));
        Assert.Equal("blocked\n", network.Stdout);
        Assert.False(accepted.IsCompleted, "A session reached a port listening on the host's loopback.");
        var secret = await sandbox.RunPythonAsync(Session("try:\n    open('/etc/shadow').read()\n    print('read')\nexcept OSError:\n    print('denied')"));
        Assert.Equal("denied\n", secret.Stdout);
        var memory = await sandbox.RunPythonAsync(Session("b = []\nwhile True:\n    b.append(bytearray(16 << 20))"));
        Assert.Equal(SandboxLimit.Memory, memory.Limit);
    }

    // ── helpers ─────────────────────────────────────────────────────────────────

    /// <summary>Pids of host processes whose command line contains <paramref name="marker"/>.</summary>
    protected static IReadOnlyList<int> HostProcesses(string marker)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(marker, StringComparison.Ordinal)) found.Add(pid);
            }
            catch (IOException) { }
        }
        return found;
    }

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (!condition() && clock.Elapsed < limit) await Task.Delay(50);
    }

    private static string PyString(string s) => "'" + s.Replace("\\", "\\\\").Replace("'", "\\'") + "'";

    private static string ShString(string s) => "'" + s.Replace("'", "'\\''") + "'";
}
