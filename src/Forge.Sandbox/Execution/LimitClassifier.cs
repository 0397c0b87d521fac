using Forge.Core;

namespace Forge.Sandbox.Execution;

/// <summary>
/// Decides which sandbox limit stopped a command, the same way for every backend: from what the launcher knows (deadline,
/// output cap), the exit status (SIGXCPU, SIGXFSZ, SIGKILL), what the kernel counted (OOM kills, refused forks) and, last,
/// the messages programs print when a limit refuses them something.
/// </summary>
internal static class LimitClassifier
{
    private const int SigKill = 9, SigXcpu = 24, SigXfsz = 25;

    /// <summary>What the kernel's counters say happened while the command ran (cgroup events), when the backend has them.</summary>
    public readonly record struct KernelEvents(bool OomKilled, bool ForkRefused);

    /// <summary>The limit that stopped a command which ended with <paramref name="exitCode"/> (128 + N for signal N).</summary>
    public static SandboxLimit Classify(int exitCode, string stderr, KernelEvents events = default, string? exception = null, int? errno = null)
    {
        if (exitCode == 0) return SandboxLimit.None;
        if (exitCode == 128 + SigXcpu) return SandboxLimit.CpuTime;
        if (exitCode == 128 + SigXfsz) return SandboxLimit.FileSize;
        if (events.OomKilled) return SandboxLimit.Memory;
        if (exception == "MemoryError") return SandboxLimit.Memory;
        if (errno == 27) return SandboxLimit.FileSize;                       // EFBIG
        if (errno == 11 && exception is "BlockingIOError") return SandboxLimit.Processes; // EAGAIN from fork
        if (events.ForkRefused) return SandboxLimit.Processes;
        var tail = stderr.Length > 4096 ? stderr[^4096..] : stderr;
        if (tail.Contains("MemoryError", StringComparison.Ordinal) || tail.Contains("Cannot allocate memory", StringComparison.Ordinal)
            || tail.Contains("std::bad_alloc", StringComparison.Ordinal) || tail.Contains("out of memory", StringComparison.OrdinalIgnoreCase))
            return SandboxLimit.Memory;
        if (tail.Contains("File too large", StringComparison.Ordinal)) return SandboxLimit.FileSize;
        if (tail.Contains("Cannot fork", StringComparison.Ordinal) || tail.Contains("Resource temporarily unavailable", StringComparison.Ordinal)
            || tail.Contains("retry: No child processes", StringComparison.Ordinal))
            return SandboxLimit.Processes;
        return SandboxLimit.None;
    }

    /// <summary>True when <paramref name="exitCode"/> says SIGKILL ended the command.</summary>
    public static bool KilledBySigKill(int exitCode) => exitCode == 128 + SigKill;
}
