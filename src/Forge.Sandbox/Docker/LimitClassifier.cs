using Forge.Core;
namespace Forge.Sandbox.Docker;

/// <summary>Decides which sandbox limit stopped a command, from what the exec and the container's counters say.</summary>
internal static class LimitClassifier
{
    private const int KilledByCpuLimit = 128 + 24;   // SIGXCPU
    private const int KilledByFileSizeLimit = 128 + 25; // SIGXFSZ

    /// <summary>True when the counters are worth reading: the command failed or was stopped.</summary>
    public static bool NeedsCounters(int exitCode, bool timedOut) => exitCode != 0 || timedOut;

    public static SandboxLimit Classify(int exitCode, bool timedOut, bool truncated, CgroupCounters before, CgroupCounters after, string stderr)
    {
        if (truncated) return SandboxLimit.Output;
        if (after.OomKills > before.OomKills) return SandboxLimit.Memory;
        if (exitCode == KilledByCpuLimit) return SandboxLimit.CpuTime;
        if (exitCode == KilledByFileSizeLimit) return SandboxLimit.FileSize;
        if (after.PidsRefused > before.PidsRefused && (exitCode != 0 || timedOut)) return SandboxLimit.Processes;
        if (timedOut) return SandboxLimit.Deadline;
        if (exitCode != 0 && stderr.Contains("MemoryError", StringComparison.Ordinal)) return SandboxLimit.Memory;
        return SandboxLimit.None;
    }
}
