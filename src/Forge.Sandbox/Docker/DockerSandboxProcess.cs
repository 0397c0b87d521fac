using System.Diagnostics;
using System.IO.Pipelines;
using Forge.Core;

namespace Forge.Sandbox.Docker;

/// <summary>
/// A long-lived process in a sandbox container (the persistent Python driver, for one), started by the container's
/// supervisor: its stdin and stdout travel as frames on the container's attached stream.
/// </summary>
internal sealed class DockerSandboxProcess : ISandboxProcess
{
    private readonly SupervisedCommand _command;
    private readonly DockerSandbox _sandbox;
    private readonly Pipe _stdout = new(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline,
        pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19, useSynchronizationContext: false));
    private readonly ExecOutput _stderr;
    private readonly Task<ExecResult> _exited;
    private readonly CgroupCounters _before;
    private int _killed;

    private DockerSandboxProcess(SupervisedCommand command, DockerSandbox sandbox, int stderrLimit)
    {
        _command = command;
        _sandbox = sandbox;
        _stderr = new ExecOutput(stderrLimit);
        _before = sandbox.Counters;
        StandardInput = new StdinStream(command);
        StandardOutput = _stdout.Reader.AsStream();
        _exited = PumpAsync();
    }

    public static async Task<DockerSandboxProcess> StartAsync(ContainerSupervisor supervisor, DockerSandbox sandbox, ExecRequest request, int stderrLimit, CancellationToken cancellationToken)
    {
        var command = await supervisor.StartAsync(request.Command, request.Environment, deadline: null, outputCap: 0, stdin: true, cancellationToken).ConfigureAwait(false);
        return new DockerSandboxProcess(command, sandbox, stderrLimit);
    }

    public Stream StandardInput { get; }

    public Stream StandardOutput { get; }

    public Task<ExecResult> Exited => _exited;

    private async Task<ExecResult> PumpAsync()
    {
        await Task.Yield();
        var started = Stopwatch.GetTimestamp();
        try
        {
            await foreach (var (isError, data) in _command.Output.ReadAllAsync().ConfigureAwait(false))
            {
                if (isError) _stderr.Append(data);
                else await _stdout.Writer.WriteAsync(data).ConfigureAwait(false);
            }
        }
        finally
        {
            await _stdout.Writer.CompleteAsync().ConfigureAwait(false);
        }
        int exitCode;
        try
        {
            // Killed by us: SIGKILL, whatever the supervisor reports.
            var exit = await _command.Exited.ConfigureAwait(false);
            exitCode = Volatile.Read(ref _killed) != 0 ? 137 : exit.ExitCode;
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

    /// <summary>
    /// Kills the process's group through the supervisor (no engine call, so it may race the container's reset harmlessly:
    /// the supervisor ignores a command that has ended) and waits for its end.
    /// </summary>
    public async Task KillAsync()
    {
        Interlocked.Exchange(ref _killed, 1);
        if (_exited.IsCompleted) return;
        try
        {
            await _command.KillAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (SandboxException)
        {
            // The container is already gone, and the process with it.
        }
        await Task.WhenAny(_exited, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await KillAsync().ConfigureAwait(false);

    /// <summary>The process's stdin as a write-only stream; disposing it closes the process's input.</summary>
    private sealed class StdinStream(SupervisedCommand command) : Stream
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
        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                await command.WriteStdinAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (SandboxException e)
            {
                throw new IOException(e.Message, e); // readers of a process's stdin expect an IOException when it is gone
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && Interlocked.Exchange(ref _closed, 1) == 0)
            {
                try { command.CloseStdinAsync(CancellationToken.None).GetAwaiter().GetResult(); }
                catch (SandboxException) { }
            }
            base.Dispose(disposing);
        }
    }
}
