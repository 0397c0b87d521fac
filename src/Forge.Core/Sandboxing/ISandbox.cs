namespace Forge.Core;

/// <summary>
/// An isolated place to run untrusted code for one episode: a private workspace, files in and out, commands with limits.
/// Disposed with its episode, whatever happens. Implementations: the local namespace sandbox and the Docker sandbox (Forge.Sandbox).
/// </summary>
public interface ISandbox : IAsyncDisposable
{
    /// <summary>Which backend runs it (<c>local</c>, <c>docker</c>).</summary>
    string Backend { get; }

    /// <summary>Writes a file into the workspace; <paramref name="path"/> is relative to it and may not leave it.</summary>
    Task WriteFileAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>
    /// The workspace's folder on this machine when the backend shares the host's file system (the local sandbox), else
    /// null. The host may place a Unix socket there for a command inside to reach (an agent program's endpoint).
    /// </summary>
    string? HostWorkspace => null;

    /// <summary>Reads a file from the workspace.</summary>
    Task<byte[]> ReadFileAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Runs a command to completion or until a limit stops it. Infrastructure faults throw <see cref="SandboxException"/>; the agent's own failures are results.</summary>
    Task<ExecResult> RunAsync(ExecRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts a long-lived command with piped standard input and output (for example a persistent interpreter) and
    /// returns at once. The process lives in the sandbox, under its limits, until it exits, is killed, or the sandbox is disposed.
    /// <see cref="ExecRequest.Stdin"/> and <see cref="ExecRequest.Timeout"/> are ignored: the caller drives the pipes and kills it.
    /// Backends without interactive processes throw <see cref="NotSupportedException"/>.
    /// </summary>
    Task<ISandboxProcess> StartAsync(ExecRequest request, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"The {Backend} sandbox cannot start interactive processes.");

    /// <summary>
    /// Runs a Python snippet. Backends with a persistent interpreter answer in milliseconds (each snippet still gets fresh
    /// globals and a fresh process state, unless it asks for the stateful session); the default runs <c>python3 -I -c CODE</c> as a new process.
    /// A snippet that raises ends with exit code 1 and the traceback on stderr; <c>sys.exit(n)</c> ends with <c>n</c>.
    /// </summary>
    Task<ExecResult> RunPythonAsync(PythonRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Session) throw new NotSupportedException($"The {Backend} sandbox has no stateful Python session.");
        return RunAsync(new ExecRequest(["python3", "-I", "-c", request.Code])
        {
            Stdin = request.Stdin,
            Timeout = request.Timeout,
            OutputLimitBytes = request.OutputLimitBytes,
        }, cancellationToken);
    }
}

/// <summary>A command to run in a sandbox.</summary>
/// <param name="Command">The program and its arguments.</param>
public sealed record ExecRequest(IReadOnlyList<string> Command)
{
    /// <summary>Text written to the command's standard input, then closed.</summary>
    public string? Stdin { get; init; }

    /// <summary>Extra environment variables.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Wall-clock deadline; the whole process tree dies when it passes. Default 10 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Most bytes kept of stdout and of stderr each; past it the command is stopped and the result says so. Default 1 MiB.</summary>
    public int OutputLimitBytes { get; init; } = 1 << 20;

    /// <summary>
    /// Host folders (absolute paths) the command may read, seen read-only at the same path inside; the rest of the host stays
    /// invisible. For programs the sandbox has no copy of (an MCP server's package). The local backend binds them per
    /// command; backends that can't (Docker: the container already runs) refuse a request with any. Default none.
    /// </summary>
    public IReadOnlyList<string> ReadOnlyPaths { get; init; } = [];
}

/// <summary>A Python snippet to run in a sandbox (see <see cref="ISandbox.RunPythonAsync"/>).</summary>
/// <param name="Code">The source, run as <c>__main__</c> with fresh globals.</param>
public sealed record PythonRequest(string Code)
{
    /// <summary>Text the snippet reads from standard input.</summary>
    public string? Stdin { get; init; }

    /// <summary>Wall-clock deadline of the snippet. Default 10 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Most bytes kept of stdout and of stderr each. Default 1 MiB.</summary>
    public int OutputLimitBytes { get; init; } = 1 << 20;

    /// <summary>
    /// Run in the sandbox's stateful session instead of fresh globals: variables, functions and imports persist from one
    /// session snippet to the next (like a notebook kernel) until the sandbox is disposed or a snippet kills the interpreter.
    /// The deadline interrupts the snippet; processes it starts are not killed when it ends. Default false.
    /// </summary>
    public bool Session { get; init; }
}

/// <summary>Which limit stopped a command, if any.</summary>
public enum SandboxLimit
{
    /// <summary>None: the command ended on its own.</summary>
    None,
    /// <summary>The wall-clock deadline.</summary>
    Deadline,
    /// <summary>The memory limit (the kernel's OOM killer, an allocation refused by the address-space limit, Python's MemoryError).</summary>
    Memory,
    /// <summary>The process-count limit.</summary>
    Processes,
    /// <summary>The output cap (output was truncated and the command stopped).</summary>
    Output,
    /// <summary>The file-size limit.</summary>
    FileSize,
    /// <summary>The CPU-time limit.</summary>
    CpuTime,
}

/// <summary>The outcome of a command run in a sandbox.</summary>
/// <param name="ExitCode">The exit status; 128 + N when signal N killed the command.</param>
/// <param name="Stdout">Standard output (capped).</param>
/// <param name="Stderr">Standard error (capped).</param>
/// <param name="Duration">Wall-clock time the command ran.</param>
/// <param name="Limit">The limit that stopped it, <see cref="SandboxLimit.None"/> when none did.</param>
public sealed record ExecResult(int ExitCode, string Stdout, string Stderr, TimeSpan Duration, SandboxLimit Limit)
{
    /// <summary>True when stdout or stderr was cut at the output cap.</summary>
    public bool OutputTruncated { get; init; }

    /// <summary>True when the command exited with status 0 and no limit stopped it.</summary>
    public bool Succeeded => ExitCode == 0 && Limit is SandboxLimit.None;
}

/// <summary>
/// An infrastructure fault of a sandbox (engine unreachable, container died, the launcher missing), kept apart from the
/// agent's own failures. <see cref="IsTransient"/> marks faults worth retrying.
/// </summary>
public sealed class SandboxException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>True when retrying the operation may succeed (a busy engine, a dropped connection).</summary>
    public bool IsTransient { get; init; }
}
