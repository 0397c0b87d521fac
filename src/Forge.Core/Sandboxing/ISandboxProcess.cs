namespace Forge.Core;

/// <summary>
/// A long-lived process started in a sandbox with <see cref="ISandbox.StartAsync"/>: its standard input and output
/// as streams, its exit as a task. Disposing it kills it (and everything it started) if it still runs.
/// </summary>
public interface ISandboxProcess : IAsyncDisposable
{
    /// <summary>The process's standard input.</summary>
    Stream StandardInput { get; }

    /// <summary>The process's standard output.</summary>
    Stream StandardOutput { get; }

    /// <summary>
    /// Completes when the process has exited: its exit code (128 + N for signal N), its standard error (capped at the
    /// request's output limit) and the sandbox limit that stopped it, if any. Stdout is empty: it belongs to the caller.
    /// </summary>
    Task<ExecResult> Exited { get; }

    /// <summary>Kills the process and everything it started; returns once it has exited.</summary>
    Task KillAsync();
}
