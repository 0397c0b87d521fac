using System.Globalization;

namespace Forge.Sandbox.Local;

/// <summary>
/// The local provider's folders: one per run (<c>/tmp/forge-sandboxes/RUN</c>) holding an <c>owner</c> file with the
/// owning process's pid and start time, and one folder per sandbox inside. At start-up a provider removes what runs
/// whose owner is gone left behind: their processes, cgroups and folders.
/// </summary>
internal static class Reaper
{
    private const string OwnerFile = "owner";

    /// <summary>The folder all runs live under.</summary>
    public static string DefaultRoot => Path.Combine(Path.GetTempPath(), "forge-sandboxes");

    /// <summary>Creates this run's folder with its owner file.</summary>
    public static string CreateRun(string root, string runId)
    {
        Directory.CreateDirectory(root);
        var everyoneMayTraverse = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        Workspace.SetMode(root, everyoneMayTraverse);
        var run = Path.Combine(root, runId);
        Directory.CreateDirectory(run);
        Workspace.SetMode(run, everyoneMayTraverse);
        File.WriteAllText(Path.Combine(run, OwnerFile), $"{Environment.ProcessId} {StartTime(Environment.ProcessId)}");
        return run;
    }

    /// <summary>Removes every run under <paramref name="root"/> whose owner process is gone; returns their ids.</summary>
    public static IReadOnlyList<string> Sweep(string root, CgroupLayout? cgroups)
    {
        var removed = new List<string>();
        if (!Directory.Exists(root)) return removed;
        foreach (var run in Directory.GetDirectories(root))
        {
            if (OwnerAlive(run)) continue;
            var runId = Path.GetFileName(run);
            KillProcessesUnder(run);
            if (cgroups is not null)
                foreach (var baseDir in cgroups.Bases)
                {
                    var group = Path.Combine(baseDir, CgroupName(runId));
                    if (!Directory.Exists(group)) continue;
                    foreach (var sandbox in Directory.GetDirectories(group)) KillCgroup(sandbox);
                    Cgroup.TryRemove(group);
                }
            Workspace.Delete(run);
            removed.Add(runId);
        }
        return removed;
    }

    /// <summary>The cgroup folder name of a run.</summary>
    public static string CgroupName(string runId) => "forge-" + runId;

    private static bool OwnerAlive(string run)
    {
        try
        {
            var parts = File.ReadAllText(Path.Combine(run, OwnerFile)).Split(' ');
            var pid = int.Parse(parts[0], CultureInfo.InvariantCulture);
            return StartTime(pid) is { } started && started == parts[1];
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException or UnauthorizedAccessException)
        {
            // No readable owner file: a run that died while being created (or not ours); old enough ones are removed.
            return Directory.GetLastWriteTimeUtc(run) > DateTime.UtcNow.AddMinutes(-1);
        }
    }

    /// <summary>A process's start time in clock ticks since boot (field 22 of /proc/PID/stat), null when it doesn't exist.</summary>
    internal static string? StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields[19];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Pids of processes whose command line names a path under <paramref name="folder"/> (their bubblewrap binds it) or whose working directory is there.</summary>
    internal static IReadOnlyList<int> ProcessesUnder(string folder)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId) continue;
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                var cwd = new DirectoryInfo(Path.Combine(dir, "cwd")).LinkTarget ?? "";
                if (cmdline.Contains(folder + "/", StringComparison.Ordinal) || cwd.StartsWith(folder + "/", StringComparison.Ordinal) || cwd == folder)
                    found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return found;
    }

    /// <summary>The processes whose parent is <paramref name="parent"/> (from <c>/proc/PID/stat</c>).</summary>
    internal static IReadOnlyList<int> ChildrenOf(int parent)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                // "PID (COMM) STATE PPID …": COMM may hold spaces and parentheses, so read after the last ')'.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ', 3);
                if (fields.Length > 1 && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ppid) && ppid == parent)
                    found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return found;
    }

    private static void KillProcessesUnder(string folder)
    {
        foreach (var pid in ProcessesUnder(folder)) Native.Kill(pid);
    }

    private static void KillCgroup(string group)
    {
        foreach (var file in new[] { "cgroup.procs" })
        {
            try
            {
                foreach (var line in File.ReadAllLines(Path.Combine(group, file)))
                    if (int.TryParse(line, out var pid)) Native.Kill(pid);
            }
            catch (IOException) { }
        }
        Cgroup.TryRemove(group);
    }
}
