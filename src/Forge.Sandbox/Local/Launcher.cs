using System.Diagnostics;
using Forge.Core;

namespace Forge.Sandbox.Local;

/// <summary>How the local sandbox starts a command.</summary>
internal enum LaunchMode
{
    /// <summary>bubblewrap as the sandbox's own uid (Forge runs as root and drops to it with setpriv first); nobody inside.</summary>
    BubblewrapAsSandboxUser,
    /// <summary>bubblewrap as the current user, in a new user namespace.</summary>
    Bubblewrap,
    /// <summary>No isolation: a plain process with resource limits, allowed only when the user opted out.</summary>
    Unisolated,
}

/// <summary>A sandbox's folders on the host: the workspace (<c>/workspace</c> inside) and its private <c>/tmp</c>.</summary>
internal sealed record SandboxPaths(string Root)
{
    public string Workspace => Path.Combine(Root, "work");
    public string Temp => Path.Combine(Root, "tmp");
}

/// <summary>
/// Builds the command line that runs a request inside the local sandbox:
/// <c>[join cgroup] [setpriv → the sandbox's uid] bwrap … prlimit … -- COMMAND</c>. The bubblewrap part gives new user, pid,
/// network, mount, ipc and uts namespaces; a root that is an empty read-only tmpfs with the host's <c>/usr</c> and a
/// few <c>/etc</c> entries bound read-only (and the folders a request names, <see cref="ExecRequest.ReadOnlyPaths"/>); the workspace and a private <c>/tmp</c> writable; a fresh <c>/proc</c> and
/// minimal <c>/dev</c>; an environment cleared to PATH, HOME, TMPDIR and LANG.
/// </summary>
internal sealed class Launcher(LaunchMode mode, LocalTools tools, SandboxOptions options)
{
    /// <summary>Where the workspace appears inside the sandbox.</summary>
    public const string WorkspaceMount = "/workspace";

    /// <summary>The uid sandboxed code sees itself as inside the namespaces when Forge runs as root (on the host it is the sandbox's own uid).</summary>
    public const int NobodyId = 65534;

    private static readonly string[] EtcAllowList =
        ["alternatives", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "mime.types", "python3", "python3.11", "python3.12", "python3.13"];

    public LaunchMode Mode => mode;

    /// <summary>
    /// True when commands drop from root to an unprivileged uid (always with <see cref="LaunchMode.BubblewrapAsSandboxUser"/>;
    /// without isolation too, where setpriv exists): each sandbox then needs a uid of its own (<see cref="SandboxUsers"/>).
    /// </summary>
    public bool DropsRoot => mode == LaunchMode.BubblewrapAsSandboxUser || (mode == LaunchMode.Unisolated && Native.IsRoot && tools.Setpriv is not null);

    /// <summary>
    /// The command line of <paramref name="command"/> in the sandbox at <paramref name="paths"/>, run as <paramref name="uid"/>
    /// (the sandbox's own uid, which owns its folders; null to stay the current user, required when <see cref="DropsRoot"/> is false),
    /// with <paramref name="readOnlyPaths"/> (existing host folders) shown read-only at the same paths.
    /// </summary>
    public ProcessStartInfo Build(SandboxPaths paths, int? uid, IReadOnlyList<string> command, IReadOnlyDictionary<string, string> environment, Cgroup? cgroup,
        IReadOnlyList<string>? readOnlyPaths = null)
    {
        if (DropsRoot != uid.HasValue)
            throw new ArgumentException(DropsRoot ? "Commands drop root here: name the sandbox's uid." : "Commands run as the current user here: no uid to drop to.", nameof(uid));
        if (command.Count == 0) throw new ArgumentException("The command is empty: name a program to run.", nameof(command));
        readOnlyPaths ??= [];
        foreach (var path in readOnlyPaths)
            if (!Path.IsPathFullyQualified(path) || !Directory.Exists(path))
                throw new ArgumentException($"A read-only path must be an existing host folder given as an absolute path (got '{path}').", nameof(readOnlyPaths));
            else if (uid is not null && FolderOthersCannotEnter(path) is { } closed)
                throw new ArgumentException($"The read-only path '{path}' can't be shown in the sandbox: the sandbox runs as a uid of its own, and '{closed}' " +
                    "doesn't let other users in (it needs o+x, and the path itself o+rx). Put the folder somewhere other users may read, or open those folders.", nameof(readOnlyPaths));
        var args = new List<string>();
        if (cgroup is not null)
        {
            // Join the sandbox's cgroup(s) before anything else runs, so every process of the command is counted.
            args.AddRange(["/bin/sh", "-c", "while [ \"$1\" != -- ]; do echo $$ > \"$1\" || exit 125; shift; done; shift; exec \"$@\"", "forge-cgroup"]);
            args.AddRange(cgroup.ProcsFiles);
            args.Add("--");
        }
        var env = new Dictionary<string, string>
        {
            ["PATH"] = "/usr/local/bin:/usr/bin:/bin",
            ["HOME"] = mode == LaunchMode.Unisolated ? paths.Workspace : WorkspaceMount,
            ["TMPDIR"] = mode == LaunchMode.Unisolated ? paths.Temp : "/tmp",
            ["LANG"] = "C.UTF-8",
        };
        foreach (var (key, value) in environment) env[key] = value;

        if (mode == LaunchMode.Unisolated) args.Add(tools.Setsid ?? "setsid");
        if (uid is { } user) args.AddRange([tools.Setpriv!, $"--reuid={user}", $"--regid={user}", "--clear-groups", "--no-new-privs"]);
        if (mode != LaunchMode.Unisolated) args.AddRange(BubblewrapArguments(paths, env, mappedToNobody: uid.HasValue, readOnlyPaths));
        args.AddRange([tools.Prlimit!, $"--as={(long)options.MemoryMb << 20}", $"--cpu={options.CpuSeconds}:{options.CpuSeconds + 1}",
            $"--fsize={(long)options.MaxFileSizeMb << 20}", $"--nproc={options.MaxProcesses}", "--core=0", "--"]);
        args.AddRange(command);

        var info = new ProcessStartInfo(args[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = mode == LaunchMode.Unisolated ? paths.Workspace : "/",
        };
        foreach (var arg in args.Skip(1)) info.ArgumentList.Add(arg);
        info.Environment.Clear();
        if (mode == LaunchMode.Unisolated)
            foreach (var (key, value) in env) info.Environment[key] = value;
        else
            info.Environment["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        return info;
    }

    // The first folder on the way to `path` (or the path itself) that a user outside its owner and group can't enter or, for the
    // path, list: bubblewrap runs as the sandbox's uid, so it can only bind what any user may reach.
    private static string? FolderOthersCannotEnter(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        var full = Path.GetFullPath(path);
        for (var folder = new DirectoryInfo(full); folder is not null; folder = folder.Parent)
        {
            var needed = folder.FullName == full ? UnixFileMode.OtherExecute | UnixFileMode.OtherRead : UnixFileMode.OtherExecute;
            if ((File.GetUnixFileMode(folder.FullName) & needed) != needed) return folder.FullName;
        }
        return null;
    }

    private IEnumerable<string> BubblewrapArguments(SandboxPaths paths, Dictionary<string, string> env, bool mappedToNobody, IReadOnlyList<string> readOnlyPaths)
    {
        var args = new List<string>
        {
            tools.Bubblewrap!,
            "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--hostname", "forge-sandbox",
            "--ro-bind", "/usr", "/usr",
        };
        // The sandbox's own uid appears as nobody inside, whichever uid of the reserved range it is on the host.
        if (mappedToNobody) args.AddRange(["--uid", $"{NobodyId}", "--gid", $"{NobodyId}"]);
        foreach (var top in new[] { "bin", "sbin", "lib", "lib32", "lib64", "libx32" })
        {
            var host = "/" + top;
            var info = new FileInfo(host);
            if (info.LinkTarget is { } target) args.AddRange(["--symlink", target, host]);
            else if (Directory.Exists(host)) args.AddRange(["--ro-bind", host, host]);
        }
        foreach (var entry in EtcAllowList)
        {
            var host = "/etc/" + entry;
            if (File.Exists(host) || Directory.Exists(host)) args.AddRange(["--ro-bind", host, host]);
        }
        args.AddRange([
            "--dev", "/dev", "--proc", "/proc",
            "--bind", paths.Workspace, WorkspaceMount,
            "--bind", paths.Temp, "/tmp",
        ]);
        // After /tmp: a folder under the host's /tmp must land on top of the private one, not under it.
        foreach (var path in readOnlyPaths) args.AddRange(["--ro-bind", path, path]);
        args.AddRange([
            "--remount-ro", "/",
            "--chdir", WorkspaceMount,
            "--clearenv",
        ]);
        foreach (var (key, value) in env) args.AddRange(["--setenv", key, value]);
        return args;
    }
}

/// <summary>The host programs the local sandbox uses, found on PATH; null where missing.</summary>
internal sealed record LocalTools(string? Bubblewrap, string? Setpriv, string? Prlimit, string? Setsid)
{
    public static LocalTools Find() => new(Which("bwrap"), Which("setpriv"), Which("prlimit"), Which("setsid"));

    private static string? Which(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/bin", "/usr/sbin", "/bin", "/sbin"]))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
