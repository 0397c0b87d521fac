using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using Forge.Core;
using Forge.Sandbox.Execution;
using Forge.Sandbox.Python;

namespace Forge.Sandbox.Local;

/// <summary>
/// One episode's local sandbox: a private folder (the workspace, <c>/workspace</c> inside, and a private <c>/tmp</c>),
/// a cgroup where the machine has one, a uid of its own when Forge runs as root (<see cref="SandboxUsers"/>), and every command started through the <see cref="Launcher"/>. Disposing kills
/// whatever still runs in it and deletes its folder and cgroup.
/// </summary>
internal sealed class LocalSandbox : ISandbox
{
    private readonly SandboxPaths _paths;
    private readonly Launcher _launcher;
    private readonly SandboxOptions _options;
    private readonly Cgroup? _cgroup;
    private readonly SandboxUser? _user;
    private readonly Action<LocalSandbox> _onDispose;
    private readonly ConcurrentDictionary<Process, byte> _running = new();
    private readonly WarmPython _python;
    private readonly WarmPython _session;
    private readonly CancellationTokenSource _disposing = new();
    private int _disposed;

    public LocalSandbox(string id, SandboxPaths paths, Launcher launcher, SandboxOptions options, Cgroup? cgroup, SandboxUser? user, Action<LocalSandbox> onDispose)
    {
        _user = user;
        Id = id;
        _paths = paths;
        _launcher = launcher;
        _options = options;
        _cgroup = cgroup;
        _onDispose = onDispose;
        _python = new WarmPython(this);
        _session = new WarmPython(this, session: true);
    }

    public string Id { get; }

    public string Backend => "local";

    /// <inheritdoc />
    public string? HostWorkspace => _paths.Workspace;

    /// <summary>The sandbox's folder on the host.</summary>
    public string Root => _paths.Root;

    /// <summary>The warm interpreter (for tests and the benchmark).</summary>
    internal WarmPython Python => _python;

    public async Task WriteFileAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var full = Workspace.Resolve(_paths.Workspace, path);
        Workspace.CreateParents(_paths.Workspace, full, _user?.Uid);
        await using (var stream = new FileStream(full, FileMode.Create, FileAccess.Write, FileShare.None, 4096, useAsync: true))
            await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
        Workspace.GiveTo(full, _user?.Uid);
    }

    public Task<byte[]> ReadFileAsync(string path, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var full = Workspace.Resolve(_paths.Workspace, path);
        if (!File.Exists(full)) throw new FileNotFoundException($"The sandbox has no file '{path}' in its workspace.", path);
        return File.ReadAllBytesAsync(full, cancellationToken);
    }

    public async Task<ExecResult> RunAsync(ExecRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ThrowIfDisposed();
        var timeout = Min(request.Timeout, TimeSpan.FromSeconds(_options.TimeoutSeconds));
        var limit = Math.Min(request.OutputLimitBytes, _options.OutputLimitBytes);
        var before = _cgroup?.ReadEvents() ?? default;
        var clock = Stopwatch.StartNew();
        var process = await StartProcessAsync(request).ConfigureAwait(false);
        var stopped = 0;
        void Stop(SandboxLimit why)
        {
            if (Interlocked.CompareExchange(ref stopped, (int)why, 0) == 0) LocalProcess.Terminate(process, Unisolated);
        }
        try
        {
            var stdout = new CappedOutput(limit);
            var stderr = new CappedOutput(limit);
            var reading = Task.WhenAll(
                stdout.ReadAsync(process.StandardOutput.BaseStream, () => Stop(SandboxLimit.Output)),
                stderr.ReadAsync(process.StandardError.BaseStream, () => Stop(SandboxLimit.Output)));
            var writing = WriteStdinAsync(process, request.Stdin);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
            deadline.CancelAfter(timeout);
            try
            {
                await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Stop(SandboxLimit.Deadline);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                if (_disposing.IsCancellationRequested)
                    throw new OperationCanceledException($"Sandbox {Id} was disposed while '{request.Command[0]}' ran; it was killed.");
            }
            // Whatever the command left holding its pipes dies with it (its pid namespace); a short wait covers the rest.
            if (await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None)).ConfigureAwait(false) != reading)
                _cgroup?.KillAll();
            await writing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            var exitCode = process.ExitCode;
            var why = (SandboxLimit)Volatile.Read(ref stopped);
            if (why == SandboxLimit.None) why = Classify(exitCode, stderr.Text, before);
            return new ExecResult(exitCode, stdout.Text, stderr.Text, clock.Elapsed, why) { OutputTruncated = stdout.Truncated || stderr.Truncated };
        }
        finally
        {
            LocalProcess.Terminate(process, Unisolated);
            _running.TryRemove(process, out _);
            process.Dispose();
        }
    }

    public async Task<ISandboxProcess> StartAsync(ExecRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ThrowIfDisposed();
        var before = _cgroup?.ReadEvents() ?? default;
        var process = await StartProcessAsync(request).ConfigureAwait(false);
        return new LocalProcess(process, Unisolated, Math.Min(request.OutputLimitBytes, _options.OutputLimitBytes),
            (exitCode, stderr) => Classify(exitCode, stderr, before), _ => _running.TryRemove(process, out byte _));
    }

    public async Task<ExecResult> RunPythonAsync(PythonRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ThrowIfDisposed();
        request = request with
        {
            Timeout = Min(request.Timeout, TimeSpan.FromSeconds(_options.TimeoutSeconds)),
            OutputLimitBytes = Math.Min(request.OutputLimitBytes, _options.OutputLimitBytes),
        };
        var before = _cgroup?.ReadEvents() ?? default;
        var result = await (request.Session ? _session : _python).RunAsync(request, cancellationToken).ConfigureAwait(false);
        if (result.Limit == SandboxLimit.None && result.ExitCode != 0)
            result = result with { Limit = Classify(result.ExitCode, result.Stderr, before) };
        return result;
    }

    private SandboxLimit Classify(int exitCode, string stderr, (long OomKills, long ForkRefusals) before)
    {
        var after = _cgroup?.ReadEvents() ?? default;
        var events = new LimitClassifier.KernelEvents(
            OomKilled: after.OomKills > before.OomKills && LimitClassifier.KilledBySigKill(exitCode),
            ForkRefused: after.ForkRefusals > before.ForkRefusals);
        return LimitClassifier.Classify(exitCode, stderr, events);
    }

    private async Task<Process> StartProcessAsync(ExecRequest request)
    {
        var info = _launcher.Build(_paths, _user?.Uid, request.Command, request.Environment, _cgroup, request.ReadOnlyPaths);
        Process process;
        try
        {
            process = await ProcessSpawner.StartAsync(info).ConfigureAwait(false);
        }
        catch (Win32Exception e)
        {
            throw new SandboxException($"The local sandbox could not start '{info.FileName}': {e.Message}.", e);
        }
        _running[process] = 0;
        if (Volatile.Read(ref _disposed) == 1)
        {
            LocalProcess.Terminate(process, Unisolated);
            throw new OperationCanceledException($"Sandbox {Id} was disposed while '{request.Command[0]}' was starting.");
        }
        return process;
    }

    private static async Task WriteStdinAsync(Process process, string? stdin)
    {
        var pipe = process.StandardInput.BaseStream;
        try
        {
            if (!string.IsNullOrEmpty(stdin)) await pipe.WriteAsync(Encoding.UTF8.GetBytes(stdin)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The command exited without reading all of it.
        }
        finally
        {
            try { pipe.Dispose(); } catch (IOException) { }
        }
    }

    private bool Unisolated => _launcher.Mode == LaunchMode.Unisolated;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _disposing.Cancel();
        await _python.DisposeAsync().ConfigureAwait(false);
        await _session.DisposeAsync().ConfigureAwait(false);
        foreach (var process in _running.Keys) LocalProcess.Terminate(process, Unisolated);
        _cgroup?.Destroy();
        Workspace.Delete(_paths.Root);
        // With namespaces, every process died with the sandbox's pid namespace; without them, whatever escaped the
        // process group (and the cgroup, where there is none) is killed by uid before the uid may serve another sandbox.
        _user?.Release(killLeftovers: Unisolated);
        _onDispose(this);
    }
}
