using System.Text.Json;
using System.Threading.Channels;
using Forge.Core;

namespace Forge.Sandbox.Docker;

/// <summary>How a supervised command ended: its exit status (128 + N for signal N), and the limit the supervisor enforced, if any.</summary>
internal sealed record SupervisedExit(int ExitCode, SandboxLimit Stopped, bool Truncated);

/// <summary>
/// One command the container's supervisor started (<see cref="ContainerSupervisor.StartAsync"/>): its output chunks in
/// order, then its exit. When the container goes away first, <see cref="Exited"/> fails with <see cref="SandboxException"/>.
/// </summary>
internal sealed class SupervisedCommand
{
    /// <summary>Stdin goes to the supervisor in frames of at most this many bytes.</summary>
    private const int StdinChunk = 1 << 20;

    private readonly ContainerSupervisor _supervisor;
    private readonly uint _id;
    private readonly Channel<(bool Stderr, byte[] Data)> _output =
        Channel.CreateUnbounded<(bool, byte[])>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly TaskCompletionSource<SupervisedExit> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SupervisedCommand(ContainerSupervisor supervisor, uint id)
    {
        _supervisor = supervisor;
        _id = id;
    }

    /// <summary>Stdout (<c>Stderr</c> false) and stderr chunks in the order the supervisor read them; complete at the exit.</summary>
    public ChannelReader<(bool Stderr, byte[] Data)> Output => _output.Reader;

    /// <summary>The exit, once every output chunk has been delivered.</summary>
    public Task<SupervisedExit> Exited => _exited.Task;

    public async Task WriteStdinAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        for (var offset = 0; offset < bytes.Length; offset += StdinChunk)
            await _supervisor.SendAsync(SupervisorFrames.Stdin, _id, bytes.Slice(offset, Math.Min(StdinChunk, bytes.Length - offset)), cancellationToken).ConfigureAwait(false);
    }

    public Task CloseStdinAsync(CancellationToken cancellationToken) => _supervisor.SendAsync(SupervisorFrames.CloseStdin, _id, ReadOnlyMemory<byte>.Empty, cancellationToken);

    /// <summary>Kills the command's process group (what escaped it is killed by the container's reset).</summary>
    public Task KillAsync(CancellationToken cancellationToken) => _supervisor.SendAsync(SupervisorFrames.Kill, _id, ReadOnlyMemory<byte>.Empty, cancellationToken);

    internal void Deliver(bool stderr, ReadOnlySpan<byte> data) => _output.Writer.TryWrite((stderr, data.ToArray()));

    internal void Complete(ReadOnlySpan<byte> payload)
    {
        SupervisedExit exit;
        try
        {
            var frame = JsonDocument.Parse(payload.ToArray()).RootElement;
            var stopped = frame.TryGetProperty("stopped", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            exit = new SupervisedExit(frame.GetProperty("code").GetInt32(),
                stopped switch { "deadline" => SandboxLimit.Deadline, "output" => SandboxLimit.Output, _ => SandboxLimit.None },
                frame.TryGetProperty("truncated", out var t) && t.ValueKind == JsonValueKind.True);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            Fail(new SandboxException($"The Docker sandbox supervisor's exit report is not one: {e.Message}", e));
            return;
        }
        _output.Writer.TryComplete();
        _exited.TrySetResult(exit);
    }

    internal void Fail(SandboxException error)
    {
        _output.Writer.TryComplete();
        _exited.TrySetException(error);
    }
}
