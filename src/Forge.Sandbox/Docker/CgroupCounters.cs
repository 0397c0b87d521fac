using System.Globalization;

namespace Forge.Sandbox.Docker;

/// <summary>
/// The container's cgroup event counters, read from inside it by the supervisor: how often the OOM killer struck and how often a fork
/// was refused at the pids limit. A rise across a command tells which limit stopped it. Works on cgroup v1 and v2.
/// </summary>
internal readonly record struct CgroupCounters(long OomKills, long PidsRefused)
{
    /// <summary>Parses lines of <c>FILE KEY VALUE</c>.</summary>
    public static CgroupCounters Parse(string output)
    {
        long oom = 0, pids = 0;
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 3 || !long.TryParse(parts[2], CultureInfo.InvariantCulture, out var value)) continue;
            var file = parts[0];
            if (parts[1] == "oom_kill" && file.Contains("memory", StringComparison.Ordinal)) oom = Math.Max(oom, value);
            else if (parts[1] == "max" && file.Contains("pids", StringComparison.Ordinal)) pids = Math.Max(pids, value);
        }
        return new CgroupCounters(oom, pids);
    }
}
