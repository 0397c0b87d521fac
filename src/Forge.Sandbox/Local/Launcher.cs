using System.Diagnostics;
using Forge.Core;

namespace Forge.Sandbox.Local;

/// <summary>How the local sandbox starts a command.</summary>
internal enum LaunchMode
{
    /// <summary>bubblewrap as user <c>nobody</c> (Forge runs as root and drops to nobody with setpriv first).</summary>
    BubblewrapAsNobody,
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
/// <c>[join cgroup] [setpriv → nobody] bwrap … prlimit … -- COMMAND</c>. The bubblewrap part gives new user, pid,
/// network, mount, ipc and uts namespaces; a root that is an empty read-only tmpfs with the host's <c>/usr</c> and a
/// few <c>/etc</c> entries bound read-only (and the folders a request names, <see cref="ExecRequest.ReadOnlyPaths"/>); the workspace and a private <c>/tmp</c> writable; a fresh <c>/proc</c> and
/// minimal <c>/dev</c>; an environment cleared to PATH, HOME, TMPDIR and LANG.
/// </summary>
internal sealed class Launcher(LaunchMode mode, LocalTools tools, SandboxOptions options)
{
    /// <summary>Where the workspace appears inside the sandbox.</summary>
    public const string WorkspaceMount = "/workspace";

    /// <summary>The uid sandboxed code runs as when Forge runs as root.</summary>
    public const int NobodyId = 65534;

    private static readonly string[] EtcAllowList =
        ["alternatives", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "mime.types", "python3", "python3.11", "python3.12", "python3.13"];

    public LaunchMode Mode => mode;

    /// <summary>True when commands drop from root to <c>nobody</c> (always with bubblewrap as nobody; without isolation too, where setpriv exists).</summary>
    private bool DropToNobody => mode == LaunchMode.BubblewrapAsNobody || (mode == LaunchMode.Unisolated && Native.IsRoot && tools.Setpriv is not null);

    /// <summary>The uid that owns files the sandbox must write, or null when it is the current user.</summary>
    public int? SandboxOwner => DropToNobody ? NobodyId : null;

    public ProcessStartInfo Build(SandboxPaths paths, IReadOnlyList<string> command, IReadOnlyDictionary<string, string> environment, Cgroup? cgroup,
        IReadOnlyList<string>? readOnlyPaths = null)
    {
        if (command.Count == 0) throw new ArgumentException("The command is empty: name a program to run.", nameof(command));
        readOnlyPaths ??= [];
        foreach (var path in readOnlyPaths)
            if (!Path.IsPathFullyQualified(path) || !Directory.Exists(path))
                throw new ArgumentException($"A read-only path must be an existing host folder given as an absolute path (got '{path}').", nameof(readOnlyPaths));
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
        if (DropToNobody) args.AddRange([tools.Setpriv!, $"--reuid={NobodyId}", $"--regid={NobodyId}", "--clear-groups", "--no-new-privs"]);
        if (mode != LaunchMode.Unisolated) args.AddRange(BubblewrapArguments(paths, env, readOnlyPaths));
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

    private IEnumerable<string> BubblewrapArguments(SandboxPaths paths, Dictionary<string, string> env, IReadOnlyList<string> readOnlyPaths)
    {
        var args = new List<string>
        {
            tools.Bubblewrap!,
            "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--hostname", "forge-sandbox",
            "--ro-bind", "/usr", "/usr",
        };
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
