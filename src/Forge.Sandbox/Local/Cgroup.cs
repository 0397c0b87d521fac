namespace Forge.Sandbox.Local;

/// <summary>
/// A control group holding one sandbox's processes, limiting its memory and process count as a whole, counting OOM kills
/// and refused forks, and killing everything in it at the end. cgroup v1 (a memory and a pids hierarchy) or v2 (one
/// unified group); created under the cgroup Forge itself runs in, so the machine's own limits still apply above it.
/// </summary>
internal sealed class Cgroup
{
    private readonly IReadOnlyList<string> _directories;
    private readonly CgroupLayout _layout;

    private Cgroup(CgroupLayout layout, IReadOnlyList<string> directories)
    {
        _layout = layout;
        _directories = directories;
    }

    /// <summary>The <c>cgroup.procs</c> files a process writes its pid to, to join.</summary>
    public IReadOnlyList<string> ProcsFiles => _directories.Select(d => Path.Combine(d, "cgroup.procs")).ToList();

    /// <summary>Creates the group <paramref name="relative"/> (like <c>forge-RUN/SANDBOX</c>) with the given limits; null when the machine doesn't let us.</summary>
    public static Cgroup? TryCreate(CgroupLayout layout, string relative, long memoryBytes, int maxProcesses)
    {
        var created = new List<string>();
        try
        {
            if (layout.Version == 2)
            {
                var dir = Path.Combine(layout.Unified!, relative);
                Directory.CreateDirectory(dir);
                created.Add(dir);
                EnableControllers(layout.Unified!, relative);
                File.WriteAllText(Path.Combine(dir, "memory.max"), memoryBytes.ToString());
                TryWrite(Path.Combine(dir, "memory.swap.max"), "0");
                File.WriteAllText(Path.Combine(dir, "pids.max"), maxProcesses.ToString());
            }
            else
            {
                var memory = Path.Combine(layout.Memory!, relative);
                Directory.CreateDirectory(memory);
                created.Add(memory);
                File.WriteAllText(Path.Combine(memory, "memory.limit_in_bytes"), memoryBytes.ToString());
                TryWrite(Path.Combine(memory, "memory.memsw.limit_in_bytes"), memoryBytes.ToString());
                var pids = Path.Combine(layout.Pids!, relative);
                Directory.CreateDirectory(pids);
                created.Add(pids);
                File.WriteAllText(Path.Combine(pids, "pids.max"), maxProcesses.ToString());
            }
            return new Cgroup(layout, created);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            foreach (var dir in created) TryRemove(dir);
            return null;
        }
    }

    /// <summary>OOM kills and refused forks counted so far.</summary>
    public (long OomKills, long ForkRefusals) ReadEvents()
    {
        if (_layout.Version == 2)
            return (Counter(Path.Combine(_directories[0], "memory.events"), "oom_kill"), Counter(Path.Combine(_directories[0], "pids.events"), "max"));
        return (Counter(Path.Combine(_directories[0], "memory.oom_control"), "oom_kill"), Counter(Path.Combine(_directories[1], "pids.events"), "max"));
    }

    /// <summary>Pids of every process in the group.</summary>
    public IReadOnlyList<int> Processes()
    {
        var pids = new HashSet<int>();
        foreach (var file in ProcsFiles)
        {
            try
            {
                foreach (var line in File.ReadAllLines(file))
                    if (int.TryParse(line, out var pid)) pids.Add(pid);
            }
            catch (IOException) { }
        }
        return pids.ToList();
    }

    /// <summary>Kills every process in the group (repeatedly, until none is left or a second has passed), then removes the group.</summary>
    public void Destroy()
    {
        KillAll();
        foreach (var dir in _directories) TryRemove(dir);
    }

    /// <summary>Kills every process in the group, until none is left or five seconds have passed (a loaded machine reaps slowly).</summary>
    public void KillAll()
    {
        var until = Environment.TickCount64 + 5000;
        while (true)
        {
            var pids = Processes();
            if (pids.Count == 0 || Environment.TickCount64 > until) return;
            foreach (var pid in pids) Native.Kill(pid);
            Thread.Sleep(5);
        }
    }

    /// <summary>Removes an empty group directory and, for groups named under a run, nothing else; retries while the kernel finishes reaping.</summary>
    public static void TryRemove(string directory)
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            try
            {
                if (!Directory.Exists(directory)) return;
                foreach (var child in Directory.GetDirectories(directory)) TryRemove(child);
                Directory.Delete(directory);
                return;
            }
            catch (IOException)
            {
                Thread.Sleep(10);
            }
            catch (UnauthorizedAccessException)
            {
                return;
            }
        }
    }

    private static void EnableControllers(string unified, string relative)
    {
        var parts = relative.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var current = unified;
        for (var i = 0; i < parts.Length; i++)
        {
            TryWrite(Path.Combine(current, "cgroup.subtree_control"), "+memory +pids");
            current = Path.Combine(current, parts[i]);
        }
    }

    private static void TryWrite(string file, string text)
    {
        try
        {
            if (File.Exists(file)) File.WriteAllText(file, text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    private static long Counter(string file, string key)
    {
        try
        {
            foreach (var line in File.ReadLines(file))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 2 && parts[0] == key && long.TryParse(parts[1], out var value)) return value;
            }
        }
        catch (IOException) { }
        return 0;
    }
}

/// <summary>Where this process's cgroups are: v1 memory and pids directories, or the v2 unified directory.</summary>
internal sealed record CgroupLayout(int Version, string? Memory, string? Pids, string? Unified)
{
    /// <summary>Finds this process's own cgroups (from <c>/proc/self/cgroup</c>); null when neither v1 memory+pids nor v2 is mounted.</summary>
    public static CgroupLayout? Find()
    {
        try
        {
            string? memory = null, pids = null, unified = null;
            foreach (var line in File.ReadAllLines("/proc/self/cgroup"))
            {
                var parts = line.Split(':', 3);
                if (parts.Length != 3) continue;
                var path = parts[2].TrimStart('/');
                foreach (var controller in parts[1].Split(','))
                {
                    if (controller == "memory") memory = Path.Combine("/sys/fs/cgroup/memory", path);
                    if (controller == "pids") pids = Path.Combine("/sys/fs/cgroup/pids", path);
                }
                if (parts[0] == "0" && parts[1].Length == 0)
                {
                    var root = Directory.Exists("/sys/fs/cgroup/unified") ? "/sys/fs/cgroup/unified" : "/sys/fs/cgroup";
                    unified = Path.Combine(root, path);
                }
            }
            if (memory is not null && pids is not null && Directory.Exists(memory) && Directory.Exists(pids))
                return new CgroupLayout(1, memory, pids, null);
            if (unified is not null && File.Exists(Path.Combine(unified, "cgroup.controllers")))
            {
                var controllers = File.ReadAllText(Path.Combine(unified, "cgroup.controllers")).Split(' ', StringSplitOptions.TrimEntries);
                if (controllers.Contains("memory") && controllers.Contains("pids")) return new CgroupLayout(2, null, null, unified);
            }
        }
        catch (IOException) { }
        return null;
    }

    /// <summary>The directories run groups are created in.</summary>
    public IReadOnlyList<string> Bases => Version == 2 ? [Unified!] : [Memory!, Pids!];

    /// <summary>For messages: <c>cgroup v1 (memory, pids)</c>.</summary>
    public override string ToString() => Version == 2 ? $"cgroup v2 at {Unified}" : $"cgroup v1 (memory, pids) under {Memory}";
}
