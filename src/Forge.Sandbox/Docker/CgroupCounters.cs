using System.Globalization;
using Forge.Core;

namespace Forge.Sandbox.Docker;

/// <summary>
/// The container's cgroup event counters, read from inside it: how often the OOM killer struck and how often a fork
/// was refused at the pids limit. A rise across a command tells which limit stopped it. Works on cgroup v1 and v2.
/// </summary>
internal readonly record struct CgroupCounters(long OomKills, long PidsRefused)
{
    private const string Read =
        "for f in /sys/fs/cgroup/memory/memory.oom_control /sys/fs/cgroup/memory.events " +
        "/sys/fs/cgroup/pids/pids.events /sys/fs/cgroup/pids.events; do\n" +
        "  [ -r \"$f\" ] && while read -r k v; do echo \"$f $k $v\"; done < \"$f\"\n" +
        "done; exit 0";

    public static async Task<CgroupCounters> ReadAsync(DockerEngine engine, string containerId, CancellationToken cancellationToken)
    {
        var (_, output) = await ContainerExec.RunQuietAsync(engine, containerId, ["sh", "-c", Read], cancellationToken).ConfigureAwait(false);
        return Parse(output);
    }

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
