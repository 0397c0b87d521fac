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

    /// <summary>Reads a file from the workspace.</summary>
    Task<byte[]> ReadFileAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Runs a command to completion or until a limit stops it. Infrastructure faults throw <see cref="SandboxException"/>; the agent's own failures are results.</summary>
    Task<ExecResult> RunAsync(ExecRequest request, CancellationToken cancellationToken = default);
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

    /// <summary>Most bytes kept of stdout and of stderr each; the rest is dropped and the result says so. Default 1 MiB.</summary>
    public int OutputLimitBytes { get; init; } = 1 << 20;
}

/// <summary>Which limit stopped a command, if any.</summary>
public enum SandboxLimit
{
    /// <summary>None: the command ended on its own.</summary>
    None,
    /// <summary>The wall-clock deadline.</summary>
    Deadline,
    /// <summary>The memory limit (the kernel's OOM killer).</summary>
    Memory,
    /// <summary>The process-count limit.</summary>
    Processes,
    /// <summary>The output cap (output was truncated; the command may have gone on).</summary>
    Output,
    /// <summary>The file-size limit.</summary>
    FileSize,
    /// <summary>The CPU-time limit.</summary>
    CpuTime,
}

/// <summary>The outcome of a command run in a sandbox.</summary>
public sealed record ExecResult(int ExitCode, string Stdout, string Stderr, TimeSpan Duration, SandboxLimit Limit)
{
    /// <summary>True when stdout or stderr was cut at the output cap.</summary>
    public bool OutputTruncated { get; init; }

    /// <summary>True when the command exited with status 0 and no limit stopped it.</summary>
    public bool Succeeded => ExitCode == 0 && Limit is SandboxLimit.None;
}

/// <summary>An infrastructure fault of a sandbox (engine unreachable, container died), kept apart from the agent's own failures.</summary>
public sealed class SandboxException(string message, Exception? inner = null) : Exception(message, inner);
