using System.Diagnostics;
using Forge.Core;
using Forge.Sandbox.Execution;

namespace Forge.Sandbox.Local;

/// <summary>A long-lived process in a local sandbox (the warm Python driver, for one): pipes to the caller, stderr capped.</summary>
internal sealed class LocalProcess : ISandboxProcess
{
    private readonly Process _process;
    private readonly Action<LocalProcess> _onExit;
    private int _disposed;

    private readonly bool _processGroup;

    public LocalProcess(Process process, bool processGroup, int stderrLimit, Func<int, string, SandboxLimit> classify, Action<LocalProcess> onExit)
    {
        _process = process;
        _processGroup = processGroup;
        _onExit = onExit;
        var clock = Stopwatch.StartNew();
        Exited = WatchAsync(stderrLimit, classify, clock);
    }

    public Stream StandardInput => _process.StandardInput.BaseStream;

    public Stream StandardOutput => _process.StandardOutput.BaseStream;

    public Task<ExecResult> Exited { get; }

    public async Task KillAsync()
    {
        Terminate(_process, _processGroup);
        await Exited.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await KillAsync().ConfigureAwait(false);
        _process.Dispose();
    }

    private async Task<ExecResult> WatchAsync(int stderrLimit, Func<int, string, SandboxLimit> classify, Stopwatch clock)
    {
        var stderr = new CappedOutput(stderrLimit);
        var reading = stderr.ReadAsync(_process.StandardError.BaseStream, () => { }, drain: true);
        await _process.WaitForExitAsync().ConfigureAwait(false);
        await reading.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _onExit(this);
        var exitCode = _process.ExitCode;
        return new ExecResult(exitCode, "", stderr.Text, clock.Elapsed, classify(exitCode, stderr.Text)) { OutputTruncated = stderr.Truncated };
    }

    /// <summary>
    /// Kills a launched process and everything under it. With bubblewrap the launched process is bubblewrap itself, and
    /// its child is the namespace's init: when init dies the kernel kills the whole pid namespace. Init sets SIGKILL as
    /// its parent-death signal only once it runs, so a bubblewrap killed in the moment before (a sandbox disposed just
    /// after a command started) would leave it and the command running where no cgroup catches them (a worker in a
    /// container): bubblewrap is stopped first, so it can start no more children, and its children are killed with it.
    /// Without isolation the command leads its own session, so the whole process group is killed.
    /// </summary>
    internal static void Terminate(Process process, bool processGroup)
    {
        try
        {
            if (processGroup) Native.KillGroup(process.Id);
            if (process.HasExited) return;
            if (!processGroup && Native.Stop(process.Id))
                foreach (var child in Reaper.ChildrenOf(process.Id)) Native.Kill(child);
            Native.Kill(process.Id);
        }
        catch (InvalidOperationException)
        {
            // Never started or already disposed.
        }
    }
}
