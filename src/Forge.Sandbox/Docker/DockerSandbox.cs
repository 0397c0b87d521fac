using System.Diagnostics;
using System.Text;
using Forge.Core;
using Forge.Sandbox.Execution;
using Forge.Sandbox.Python;

namespace Forge.Sandbox.Docker;

/// <summary>
/// One episode's container. Commands, the short ones that move files in and out of the tmpfs workspace, and the warm
/// interpreter that runs Python snippets (<see cref="WarmPython"/>) all start through the container's supervisor
/// (<see cref="ContainerSupervisor"/>), as the sandbox user under the container's limits; none needs a <c>docker exec</c>. Disposing it hands the container back to the provider, which resets it for another
/// episode or removes it; a command still running then ends with <see cref="OperationCanceledException"/>.
/// </summary>
internal sealed partial class DockerSandbox : ISandbox
{
    /// <summary>How long past its deadline a command may hold its output open before every process in the sandbox is killed.</summary>
    private static readonly TimeSpan DeadlineGrace = TimeSpan.FromSeconds(2);

    private readonly ContainerSupervisor _supervisor;
    private readonly SandboxOptions _options;
    private readonly Func<DockerSandbox, ValueTask> _release;
    private readonly Lock _countersLock = new();
    private readonly CancellationTokenSource _disposing = new();
    private readonly WarmPython _python;
    private readonly WarmPython _session;
    private readonly TaskCompletionSource _quiet = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CgroupCounters _counters;
    private int _inFlight;
    private int _resetPending;
    private int _disposed;

    /// <summary>
    /// A sandbox in the container of <paramref name="supervisor"/>; <paramref name="counters"/> are the container's cgroup
    /// counters when it is handed out (a reused container has counted the episodes before; its reset reads them).
    /// </summary>
    /// <paramref name="resetFirst"/>: the container served an episode before, and the first start of the warm driver
    /// resets it (<see cref="ContainerReset"/>), failing when it cannot be verified clean.
    public DockerSandbox(ContainerSupervisor supervisor, string sandboxId, SandboxOptions options, CgroupCounters counters,
        bool resetFirst, Func<DockerSandbox, ValueTask> release)
    {
        _resetPending = resetFirst ? 1 : 0;
        _supervisor = supervisor;
        ContainerId = supervisor.ContainerId;
        SandboxId = sandboxId;
        _counters = counters;
        _options = options;
        _release = release;
        _python = new WarmPython(StartDriverAsync);
        _session = new WarmPython(this, session: true);
    }

    public string Backend => "docker";

    public string ContainerId { get; }

    /// <summary>The container's supervisor, which outlives the sandbox when the container is reset for another episode.</summary>
    internal ContainerSupervisor Supervisor => _supervisor;

    /// <summary>The <c>forge.sandbox-id</c> label of the container: unique per container (a reused container keeps it).</summary>
    public string SandboxId { get; }

    public async Task<ExecResult> RunAsync(ExecRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Command.Count == 0) throw new ArgumentException("ExecRequest.Command is empty: name a program to run", nameof(request));
        RefuseHostPaths(request);
        using var operation = Enter();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
        try
        {
            return await RunCoreAsync(request, cancel.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (_disposing.IsCancellationRequested && !cancellationToken.IsCancellationRequested && e is not OperationCanceledException)
        {
            throw new OperationCanceledException($"Docker sandbox {ContainerId[..12]} was disposed while '{request.Command[0]}' ran; it was killed.", e);
        }
    }

    private async Task<ExecResult> RunCoreAsync(ExecRequest request, CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(Math.Min(request.Timeout.TotalSeconds, _options.TimeoutSeconds));
        var cap = Math.Min(request.OutputLimitBytes, _options.OutputLimitBytes);
        var started = Stopwatch.GetTimestamp();
        var before = Counters;
        var stdin = request.Stdin is null ? null : Encoding.UTF8.GetBytes(request.Stdin);
        var (exit, stdout, stderr) = await RunSupervisedAsync(request.Command, request.Environment, timeout, cap, stdin, cancellationToken).ConfigureAwait(false);
        var duration = Stopwatch.GetElapsedTime(started);
        var limit = exit.Stopped != SandboxLimit.None ? exit.Stopped : await ClassifyAsync(exit.ExitCode, stderr.Text, before, cancellationToken).ConfigureAwait(false);
        return new ExecResult(exit.ExitCode, stdout.Text, stderr.Text, duration, limit) { OutputTruncated = exit.Truncated || stdout.Truncated || stderr.Truncated };
    }

    /// <summary>
    /// Runs a command through the container's supervisor, which enforces <paramref name="timeout"/> and
    /// <paramref name="cap"/> (per stream) inside the container; <paramref name="stdin"/> null gives it /dev/null. Should
    /// the command outlive its deadline by <see cref="DeadlineGrace"/> all the same, every process in the sandbox is killed.
    /// </summary>
    private async Task<(SupervisedExit Exit, ExecOutput Stdout, ExecOutput Stderr)> RunSupervisedAsync(IReadOnlyList<string> command,
        IReadOnlyDictionary<string, string> environment, TimeSpan timeout, int cap, byte[]? stdin, CancellationToken cancellationToken)
    {
        var stdout = new ExecOutput(cap);
        var stderr = new ExecOutput(cap);
        var running = await _supervisor.StartAsync(command, environment, timeout, cap, stdin is not null, cancellationToken).ConfigureAwait(false);
        using var hostDeadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        hostDeadline.CancelAfter(timeout + DeadlineGrace);
        try
        {
            if (stdin is not null)
            {
                await running.WriteStdinAsync(stdin, hostDeadline.Token).ConfigureAwait(false);
                await running.CloseStdinAsync(hostDeadline.Token).ConfigureAwait(false);
            }
            await foreach (var (isError, data) in running.Output.ReadAllAsync(hostDeadline.Token).ConfigureAwait(false))
                (isError ? stderr : stdout).Append(data);
            return (await running.Exited.WaitAsync(hostDeadline.Token).ConfigureAwait(false), stdout, stderr);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The supervisor should have ended the command at its deadline; something kept it alive: kill everything but PID 1.
            await _supervisor.KillAllAsync(CancellationToken.None).ConfigureAwait(false);
            return (new SupervisedExit(137, SandboxLimit.Deadline, false), stdout, stderr);
        }
        catch (OperationCanceledException)
        {
            if (!_disposing.IsCancellationRequested) await KillQuietlyAsync(running).ConfigureAwait(false);
            throw; // disposed: the container's reset (or its removal) kills it
        }
    }

    private static async Task KillQuietlyAsync(SupervisedCommand command)
    {
        try
        {
            await command.KillAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (SandboxException)
        {
            // The container is gone, and the command with it.
        }
    }

    public async Task<ISandboxProcess> StartAsync(ExecRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        RefuseHostPaths(request);
        using var operation = Enter();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
        return await DockerSandboxProcess.StartAsync(_supervisor, this, request,
            Math.Min(request.OutputLimitBytes, _options.OutputLimitBytes), cancel.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts the warm driver; the first start of a reused container's sandbox resets the container first, in the same
    /// supervised command, reads the reset's report, and fails with <see cref="SandboxException"/> when the container is not clean.
    /// </summary>
    private async Task<ISandboxProcess> StartDriverAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _resetPending, 0) == 0) return await StartAsync(new ExecRequest(WarmPython.Command), cancellationToken).ConfigureAwait(false);
        var process = await StartAsync(new ExecRequest(ContainerReset.ThenDriverCommand), cancellationToken).ConfigureAwait(false);
        ContainerReset.Outcome outcome;
        try
        {
            outcome = ContainerReset.Parse(await DriverFrames.ReadAsync(process.StandardOutput, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (e is IOException or InvalidDataException or System.Text.Json.JsonException)
        {
            outcome = ContainerReset.Parse(null);
        }
        if (!outcome.Clean)
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw new SandboxException($"Docker sandbox container {ContainerId[..12]} was not clean after its reset: {string.Join("; ", outcome.Left)}");
        }
        // The counters the next episode's limits are told apart by (the episodes before counted too), from the supervisor.
        try
        {
            var counters = await _supervisor.CountersAsync(cancellationToken).ConfigureAwait(false);
            lock (_countersLock) _counters = counters;
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return process;
    }

    /// <summary>The warm interpreter (for tests).</summary>
    internal WarmPython Python => _python;

    /// <summary>Starts the Python driver ahead of the first snippet (the pool does this for waiting sandboxes).</summary>
    internal Task PrewarmAsync(CancellationToken cancellationToken) => _python.StartAsync(cancellationToken);

    public async Task<ExecResult> RunPythonAsync(PythonRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var operation = Enter();
        request = request with
        {
            Timeout = TimeSpan.FromSeconds(Math.Min(request.Timeout.TotalSeconds, _options.TimeoutSeconds)),
            OutputLimitBytes = Math.Min(request.OutputLimitBytes, _options.OutputLimitBytes),
        };
        var before = Counters;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
        var result = await (request.Session ? _session : _python).RunAsync(request, cancel.Token).ConfigureAwait(false);
        if (result.Limit == SandboxLimit.None && result.ExitCode != 0)
            result = result with { Limit = await ClassifyAsync(result.ExitCode, result.Stderr, before, cancel.Token).ConfigureAwait(false) };
        return result;
    }

    /// <summary>True once disposal has begun (the container is being removed).</summary>
    internal bool IsDisposing => _disposing.IsCancellationRequested;

    /// <summary>The cgroup counters as last read.</summary>
    internal CgroupCounters Counters
    {
        get { lock (_countersLock) return _counters; }
    }

    /// <summary>
    /// Which limit stopped a command that ended on its own with <paramref name="exitCode"/>, by the shared taxonomy; reads
    /// the container's cgroup counters (one request to the supervisor) only when the command failed.
    /// </summary>
    internal async Task<SandboxLimit> ClassifyAsync(int exitCode, string stderr, CgroupCounters before, CancellationToken cancellationToken)
    {
        if (exitCode == 0) return SandboxLimit.None;
        var after = await _supervisor.CountersAsync(cancellationToken).ConfigureAwait(false);
        lock (_countersLock) if (after.OomKills >= _counters.OomKills && after.PidsRefused >= _counters.PidsRefused) _counters = after;
        var events = new LimitClassifier.KernelEvents(
            OomKilled: after.OomKills > before.OomKills && LimitClassifier.KilledBySigKill(exitCode),
            ForkRefused: after.PidsRefused > before.PidsRefused);
        return LimitClassifier.Classify(exitCode, stderr, events);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    /// <summary>
    /// Completes once the sandbox is disposed and no call into its container is in flight any more: from then on
    /// nothing of this sandbox touches the container, which may serve another episode.
    /// </summary>
    internal Task Quiesced => _quiet.Task;

    /// <summary>Counts a call into the container until the returned scope ends; throws once the sandbox is disposed.</summary>
    internal Operation Enter()
    {
        Interlocked.Increment(ref _inFlight);
        if (Volatile.Read(ref _disposed) != 0)
        {
            Exit();
            ThrowIfDisposed();
        }
        return new Operation(this);
    }

    private void Exit()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && Volatile.Read(ref _disposed) != 0) _quiet.TrySetResult();
    }

    /// <summary>One call into the container, counted by <see cref="Enter"/>.</summary>
    internal readonly struct Operation(DockerSandbox sandbox) : IDisposable
    {
        public void Dispose() => sandbox.Exit();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _disposing.CancelAsync().ConfigureAwait(false);
        if (Volatile.Read(ref _inFlight) == 0) _quiet.TrySetResult();
        await _release(this).ConfigureAwait(false);
        await _python.DisposeAsync().ConfigureAwait(false);
        await _session.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>A container's mounts are fixed when it starts: host folders can't be added for one command.</summary>
    private static void RefuseHostPaths(ExecRequest request)
    {
        if (request.ReadOnlyPaths.Count > 0)
            throw new NotSupportedException($"The docker sandbox can't show host folders to one command ({string.Join(", ", request.ReadOnlyPaths)}); put the program in the image, or use the local backend.");
    }
}
