using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Docker.DotNet;
using Docker.DotNet.Models;
using Forge.Core;

namespace Forge.Sandbox.Docker;

/// <summary>
/// The host's end of a container's supervisor (<c>forge_supervisor.py</c>, the container's PID 1): frames on the
/// container's attached stdin and stdout, attached once before the container starts. Every command of the container's
/// episodes starts through it, so none costs a <c>docker exec</c>. Commands are multiplexed by id; when the stream ends
/// (the container died or was removed) every command in flight fails with <see cref="SandboxException"/>.
/// </summary>
internal sealed class ContainerSupervisor : IAsyncDisposable
{
    /// <summary>The supervisor's source, as embedded in this assembly.</summary>
    public static string Source { get; } = Load();

    private readonly MultiplexedStream _stream;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<uint, SupervisedCommand> _commands = new();
    private readonly ConcurrentDictionary<uint, TaskCompletionSource<byte[]>> _replies = new();
    private readonly TaskCompletionSource _hello = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ExecOutput _ownErrors = new(4096);
    private readonly Task _pump;
    private SandboxException? _gone;
    private int _nextId;

    private ContainerSupervisor(string containerId, MultiplexedStream stream)
    {
        ContainerId = containerId;
        _stream = stream;
        _pump = Task.Run(PumpAsync);
    }

    public string ContainerId { get; }

    /// <summary>The command that runs the supervisor as the container's PID 1, its settings in the last argument.</summary>
    public static IReadOnlyList<string> Command(int uid, int gid, int cpuSeconds) =>
        ["python3", "-I", "-X", "utf8", "-c", Source,
         new JsonObject { ["uid"] = uid, ["gid"] = gid, ["cpu_seconds"] = cpuSeconds, ["workdir"] = ContainerSpec.Workspace }.ToJsonString()];

    /// <summary>Attaches to the stdin and stdout of a created container, before it starts (so no frame is missed).</summary>
    public static async Task<ContainerSupervisor> AttachAsync(DockerEngine engine, string containerId, CancellationToken cancellationToken)
    {
        MultiplexedStream stream;
        try
        {
            // Attaching is not idempotent (a second attachment would be a second reader): never retried.
            stream = await engine.Client.Containers.AttachContainerAsync(containerId, tty: false,
                new ContainerAttachParameters { Stream = true, Stdin = true, Stdout = true, Stderr = true }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw engine.Translate("attach container", e);
        }
        return new ContainerSupervisor(containerId, stream);
    }

    /// <summary>Completes once the supervisor said hello (the container runs and answers).</summary>
    public Task WaitReadyAsync(CancellationToken cancellationToken) => _hello.Task.WaitAsync(cancellationToken);

    /// <summary>
    /// Starts <paramref name="argv"/> as the sandbox user; the supervisor kills its process group at
    /// <paramref name="deadline"/> (null: none) and once either output stream passes <paramref name="outputCap"/> bytes
    /// (0: no cap). With <paramref name="stdin"/> the command reads a pipe the host writes, else /dev/null.
    /// </summary>
    public async Task<SupervisedCommand> StartAsync(IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> environment,
        TimeSpan? deadline, int outputCap, bool stdin, CancellationToken cancellationToken)
    {
        var id = (uint)Interlocked.Increment(ref _nextId);
        var command = new SupervisedCommand(this, id);
        _commands[id] = command;
        var env = new JsonObject();
        foreach (var (key, value) in environment) env[key] = value;
        var request = new JsonObject
        {
            ["argv"] = new JsonArray([.. argv.Select(a => (JsonNode)JsonValue.Create(a))]),
            ["env"] = env,
            ["deadline"] = deadline is { } d ? Math.Max(0.001, d.TotalSeconds) : 0,
            ["cap"] = outputCap,
            ["stdin"] = stdin,
        };
        try
        {
            await SendAsync(SupervisorFrames.Spawn, id, Encoding.UTF8.GetBytes(request.ToJsonString()), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _commands.TryRemove(id, out _);
            throw;
        }
        if (Volatile.Read(ref _gone) is { } gone && _commands.TryRemove(id, out _)) command.Fail(gone);
        return command;
    }

    /// <summary>Kills every process in the container but the supervisor, and waits until none is left.</summary>
    public Task KillAllAsync(CancellationToken cancellationToken) => RequestAsync(SupervisorFrames.KillAll, cancellationToken);

    /// <summary>The container's cgroup event counters, read by the supervisor.</summary>
    public async Task<CgroupCounters> CountersAsync(CancellationToken cancellationToken) =>
        CgroupCounters.Parse(Encoding.UTF8.GetString(await RequestAsync(SupervisorFrames.Counters, cancellationToken).ConfigureAwait(false)));

    private async Task<byte[]> RequestAsync(byte kind, CancellationToken cancellationToken)
    {
        var id = (uint)Interlocked.Increment(ref _nextId);
        var reply = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        _replies[id] = reply;
        try
        {
            await SendAsync(kind, id, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
            if (Volatile.Read(ref _gone) is { } gone) reply.TrySetException(gone);
            return await reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _replies.TryRemove(id, out _);
        }
    }

    /// <summary>Sends one frame; frames from concurrent callers never interleave.</summary>
    internal async Task SendAsync(byte kind, uint id, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _gone) is { } gone) throw gone;
        var frame = SupervisorFrames.Encode(kind, id, payload.Span);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _stream.WriteAsync(frame, 0, frame.Length, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            throw Gone(e);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task PumpAsync()
    {
        var buffer = new byte[81920];
        var pending = new byte[81920];
        var filled = 0;
        Exception? cause = null;
        try
        {
            while (true)
            {
                var read = await _stream.ReadOutputAsync(buffer, 0, buffer.Length, CancellationToken.None).ConfigureAwait(false);
                if (read.EOF) break;
                if (read.Target == MultiplexedStream.TargetStream.StandardError)
                {
                    _ownErrors.Append(buffer.AsSpan(0, read.Count));
                    continue;
                }
                if (filled + read.Count > pending.Length) Array.Resize(ref pending, Math.Max(pending.Length * 2, filled + read.Count));
                buffer.AsSpan(0, read.Count).CopyTo(pending.AsSpan(filled));
                filled += read.Count;
                var start = 0;
                while (filled - start >= SupervisorFrames.HeaderSize)
                {
                    var (length, kind, id) = SupervisorFrames.Header(pending.AsSpan(start, SupervisorFrames.HeaderSize));
                    if (filled - start < SupervisorFrames.HeaderSize + length) break;
                    Dispatch(kind, id, pending.AsSpan(start + SupervisorFrames.HeaderSize, length));
                    start += SupervisorFrames.HeaderSize + length;
                }
                pending.AsSpan(start, filled - start).CopyTo(pending);
                filled -= start;
            }
        }
        catch (Exception e)
        {
            cause = e;
        }
        var gone = Gone(cause);
        Volatile.Write(ref _gone, gone);
        _hello.TrySetException(gone);
        foreach (var id in _commands.Keys)
            if (_commands.TryRemove(id, out var command)) command.Fail(gone);
        foreach (var reply in _replies.Values) reply.TrySetException(gone);
    }

    private void Dispatch(byte kind, uint id, ReadOnlySpan<byte> payload)
    {
        switch (kind)
        {
            case SupervisorFrames.Hello:
                _hello.TrySetResult();
                break;
            case SupervisorFrames.Stdout or SupervisorFrames.Stderr when _commands.TryGetValue(id, out var command):
                command.Deliver(kind == SupervisorFrames.Stderr, payload);
                break;
            case SupervisorFrames.Exit when _commands.TryRemove(id, out var ended):
                ended.Complete(payload);
                break;
            case SupervisorFrames.Done when _replies.TryGetValue(id, out var reply):
                reply.TrySetResult(payload.ToArray());
                break;
        }
    }

    private SandboxException Gone(Exception? cause)
    {
        var said = _ownErrors.Text.Trim();
        return new SandboxException($"The Docker sandbox container {ContainerId[..12]} is gone or stopped (it died, or was removed from outside)" +
            (said.Length > 0 ? $"; its supervisor said: {said}" : "") + (cause is null ? "" : $": {cause.Message}"), cause!);
    }

    public async ValueTask DisposeAsync()
    {
        _stream.Dispose();
        await _pump.ConfigureAwait(false);
        _writeLock.Dispose();
    }

    private static string Load()
    {
        using var stream = typeof(ContainerSupervisor).Assembly.GetManifestResourceStream("Forge.Sandbox.forge_supervisor.py")
            ?? throw new InvalidOperationException("forge_supervisor.py is not embedded in Forge.Sandbox.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
