using Forge.Core;
using System.Diagnostics;
using System.Text;
using Docker.DotNet;

namespace Forge.Sandbox.Docker;

/// <summary>
/// One episode's container. Commands run through the exec API under the container's limits; files go in and out
/// through short execs in the tmpfs workspace. Disposing it removes the container and everything running in it.
/// </summary>
internal sealed partial class DockerSandbox : ISandbox
{
    /// <summary>How long past its deadline a command may hold its output open before every process in the sandbox is killed.</summary>
    private static readonly TimeSpan DeadlineGrace = TimeSpan.FromSeconds(2);

    private readonly DockerEngine _engine;
    private readonly SandboxOptions _options;
    private readonly string _user;
    private readonly Func<DockerSandbox, ValueTask> _release;
    private readonly Lock _countersLock = new();
    private CgroupCounters _counters;
    private int _disposed;

    public DockerSandbox(DockerEngine engine, string containerId, string episodeId, SandboxOptions options, string user, Func<DockerSandbox, ValueTask> release)
    {
        _engine = engine;
        ContainerId = containerId;
        EpisodeId = episodeId;
        _options = options;
        _user = user;
        _release = release;
    }

    public string Backend => "docker";

    public string ContainerId { get; }

    /// <summary>The <c>forge.episode-id</c> label of the container: unique per sandbox, so per episode.</summary>
    public string EpisodeId { get; }

    public async Task<ExecResult> RunAsync(ExecRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Command.Count == 0) throw new ArgumentException("ExecRequest.Command is empty: name a program to run", nameof(request));
        ThrowIfDisposed();
        var timeout = TimeSpan.FromSeconds(Math.Min(request.Timeout.TotalSeconds, _options.TimeoutSeconds));
        var cap = Math.Min(request.OutputLimitBytes, _options.OutputLimitBytes);
        var stdout = new ExecOutput(cap);
        var stderr = new ExecOutput(cap);
        var started = Stopwatch.GetTimestamp();

        using var exec = await ContainerExec.StartAsync(_engine, ContainerId, _user, request.Command, request.Environment, timeout,
            attachStdin: request.Stdin is not null, cancellationToken).ConfigureAwait(false);
        var feeding = request.Stdin is null ? Task.CompletedTask : FeedStdinAsync(exec.Stream, request.Stdin, cancellationToken);

        using var hostDeadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        hostDeadline.CancelAfter(timeout + DeadlineGrace);
        var overran = false;
        try
        {
            if (!await PumpAsync(exec.Stream, stdout, stderr, hostDeadline.Token).ConfigureAwait(false))
                await exec.KillAsync(CancellationToken.None).ConfigureAwait(false); // output cap passed: stop the command
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Something escaped the command's process group and holds its output open past the deadline.
            overran = true;
            await ContainerExec.KillAllAsync(_engine, ContainerId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await exec.KillAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        finally
        {
            await feeding.ConfigureAwait(false);
        }

        var exitCode = overran ? 137 : await exec.ExitCodeAsync(cancellationToken).ConfigureAwait(false);
        var duration = Stopwatch.GetElapsedTime(started);
        var timedOut = overran || (exitCode == 137 && duration >= timeout);
        var limit = await ClassifyAsync(exitCode, timedOut, stdout.Truncated || stderr.Truncated, stderr.Text, cancellationToken).ConfigureAwait(false);
        return new ExecResult(exitCode, stdout.Text, stderr.Text, duration, limit) { OutputTruncated = stdout.Truncated || stderr.Truncated };
    }

    /// <summary>Reads both streams to the end; false when a cap was passed (the rest is not read).</summary>
    private static async Task<bool> PumpAsync(MultiplexedStream stream, ExecOutput stdout, ExecOutput stderr, CancellationToken cancellationToken)
    {
        var buffer = new byte[81920];
        while (true)
        {
            var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false);
            if (read.EOF) return true;
            var target = read.Target == MultiplexedStream.TargetStream.StandardError ? stderr : stdout;
            if (!target.Append(buffer.AsSpan(0, read.Count))) return false;
        }
    }

    private static async Task FeedStdinAsync(MultiplexedStream stream, string stdin, CancellationToken cancellationToken)
    {
        try
        {
            var bytes = Encoding.UTF8.GetBytes(stdin);
            await stream.WriteAsync(bytes, 0, bytes.Length, cancellationToken).ConfigureAwait(false);
            stream.CloseWrite();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            // The command ended (or stopped reading) before taking all its input: that's its business.
        }
    }

    /// <summary>Which limit stopped a command; reads the cgroup counters only when the command failed or was stopped.</summary>
    internal async Task<SandboxLimit> ClassifyAsync(int exitCode, bool timedOut, bool truncated, string stderr, CancellationToken cancellationToken)
    {
        CgroupCounters before, after;
        lock (_countersLock) before = after = _counters;
        if (!truncated && LimitClassifier.NeedsCounters(exitCode, timedOut))
        {
            after = await CgroupCounters.ReadAsync(_engine, ContainerId, cancellationToken).ConfigureAwait(false);
            lock (_countersLock) _counters = after;
        }
        return LimitClassifier.Classify(exitCode, timedOut, truncated, before, after, stderr);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _release(this).ConfigureAwait(false);
    }
}
