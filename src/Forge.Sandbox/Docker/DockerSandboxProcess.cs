using System.Diagnostics;
using System.IO.Pipelines;
using Docker.DotNet;
using Forge.Core;

namespace Forge.Sandbox.Docker;

/// <summary>
/// A long-lived process in a sandbox container (the persistent Python driver, for one), attached through the exec API:
/// its stdin and stdout travel over the engine connection's multiplexed stream.
/// </summary>
internal sealed class DockerSandboxProcess : ISandboxProcess
{
    private readonly ContainerExec _exec;
    private readonly DockerSandbox _sandbox;
    private readonly Pipe _stdout = new(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline,
        pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19, useSynchronizationContext: false));
    private readonly ExecOutput _stderr;
    private readonly Task<ExecResult> _exited;
    private readonly CgroupCounters _before;
    private int _killed;

    private DockerSandboxProcess(ContainerExec exec, DockerSandbox sandbox, int stderrLimit)
    {
        _exec = exec;
        _sandbox = sandbox;
        _stderr = new ExecOutput(stderrLimit);
        _before = sandbox.Counters;
        StandardInput = new StdinStream(exec.Stream);
        StandardOutput = _stdout.Reader.AsStream();
        _exited = PumpAsync();
    }

    public static async Task<DockerSandboxProcess> StartAsync(DockerEngine engine, DockerSandbox sandbox, string user, ExecRequest request, int stderrLimit, CancellationToken cancellationToken)
    {
        var exec = await ContainerExec.StartAsync(engine, sandbox.ContainerId, user, request.Command, request.Environment, deadline: null,
            attachStdin: true, cancellationToken).ConfigureAwait(false);
        return new DockerSandboxProcess(exec, sandbox, stderrLimit);
    }

    public Stream StandardInput { get; }

    public Stream StandardOutput { get; }

    public Task<ExecResult> Exited => _exited;

    private async Task<ExecResult> PumpAsync()
    {
        await Task.Yield();
        var started = Stopwatch.GetTimestamp();
        var buffer = new byte[65536];
        try
        {
            while (true)
            {
                var read = await _exec.Stream.ReadOutputAsync(buffer, 0, buffer.Length, CancellationToken.None).ConfigureAwait(false);
                if (read.EOF) break;
                if (read.Target == MultiplexedStream.TargetStream.StandardError) _stderr.Append(buffer.AsSpan(0, read.Count));
                else await _stdout.Writer.WriteAsync(buffer.AsMemory(0, read.Count)).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            // The connection closed under us: the process is being killed or the container removed.
        }
        finally
        {
            await _stdout.Writer.CompleteAsync().ConfigureAwait(false);
        }
        int exitCode;
        try
        {
            // Killed by us: SIGKILL, whatever the engine still says about it.
            exitCode = Volatile.Read(ref _killed) != 0 ? 137 : await _exec.ExitCodeAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (SandboxException)
        {
            exitCode = 137; // the container is gone with the process
        }
        var limit = Volatile.Read(ref _killed) != 0 ? SandboxLimit.None
            : await ClassifyQuietlyAsync(exitCode).ConfigureAwait(false);
        return new ExecResult(exitCode, "", _stderr.Text, Stopwatch.GetElapsedTime(started), limit) { OutputTruncated = _stderr.Truncated };
    }

    private async Task<SandboxLimit> ClassifyQuietlyAsync(int exitCode)
    {
        try
        {
            return await _sandbox.ClassifyAsync(exitCode, _stderr.Text, _before, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SandboxException or ObjectDisposedException)
        {
            return SandboxLimit.None;
        }
    }

    public async Task KillAsync()
    {
        Interlocked.Exchange(ref _killed, 1);
        if (_exited.IsCompleted) return;
        if (_sandbox.IsDisposing)
        {
            _exec.Dispose(); // the container is being removed, and the process with it: just let go of the connection
        }
        else
        {
            try
            {
                // Counted as a call into the container, so that the container is not reset for another episode meanwhile.
                using var operation = _sandbox.Enter();
                await _exec.KillAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                _exec.Dispose(); // the sandbox was disposed just now: its container is reset or removed, and the process with it
            }
            catch (SandboxException)
            {
                // The container is already gone, and the process with it.
            }
        }
        if (await Task.WhenAny(_exited, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false) != _exited)
            _exec.Dispose(); // unblocks the pump
        await _exited.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync().ConfigureAwait(false);
        _exec.Dispose();
    }

    /// <summary>The process's stdin as a write-only stream; disposing it closes the process's input.</summary>
    private sealed class StdinStream(MultiplexedStream stream) : Stream
    {
        private int _closed;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => stream.WriteAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            stream.WriteAsync(buffer, offset, count, cancellationToken);

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var segment = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(buffer, out var s) ? s : new ArraySegment<byte>(buffer.ToArray());
            await stream.WriteAsync(segment.Array!, segment.Offset, segment.Count, cancellationToken).ConfigureAwait(false);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && Interlocked.Exchange(ref _closed, 1) == 0)
            {
                try { stream.CloseWrite(); }
                catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException) { }
            }
            base.Dispose(disposing);
        }
    }
}
