using System.Diagnostics;
using Forge.Core;
using Forge.Sandbox.Execution;

namespace Forge.Sandbox.Local;

/// <summary>What the local sandbox can do on this machine, found by trying it once per process.</summary>
internal sealed record LocalCapabilities(LaunchMode Mode, LocalTools Tools, CgroupLayout? Cgroups, string? BubblewrapVersion, IReadOnlyList<string> Problems)
{
    /// <summary>True when commands run inside namespaces.</summary>
    public bool Isolated => Mode != LaunchMode.Unisolated;

    private static string Users => $"uids {SandboxUsers.FirstUid}–{SandboxUsers.FirstUid + SandboxUsers.Count - 1}";

    /// <summary>The description the provider and <c>forge sandbox doctor</c> show.</summary>
    public SandboxIsolation Describe(SandboxOptions options)
    {
        var inEffect = new List<string>();
        var missing = new List<string>(Problems);
        if (Isolated)
        {
            inEffect.Add($"namespaces: user, pid, network, mount, ipc, uts (bubblewrap {BubblewrapVersion})");
            inEffect.Add("network: none (own network namespace, loopback only)");
            inEffect.Add("files: host /usr and a few /etc entries read-only, /workspace and a private /tmp writable, everything else invisible");
            inEffect.Add(Mode == LaunchMode.BubblewrapAsSandboxUser
                ? $"user: a uid of its own per sandbox ({Users}), seen as {Launcher.NobodyId} (nobody) inside, no capabilities; process limits are per sandbox"
                : "user: the current user mapped into a new user namespace, no capabilities");
            inEffect.Add("process tree: dies with its pid namespace at the deadline and at dispose");
        }
        else if (Native.IsRoot && Tools.Setpriv is not null)
        {
            inEffect.Add($"user: a uid of its own per sandbox ({Users}); without namespaces the host's files and network stay reachable");
        }
        if (Tools.Prlimit is not null)
            inEffect.Add($"per process: address space {options.MemoryMb} MiB, CPU {options.CpuSeconds} s, file size {options.MaxFileSizeMb} MiB, {options.MaxProcesses} processes (setrlimit)");
        if (Cgroups is not null)
            inEffect.Add($"per sandbox: memory {options.MemoryMb} MiB and {options.MaxProcesses} processes ({Cgroups})");
        return new SandboxIsolation("local", Isolated, inEffect, missing);
    }
}

/// <summary>Finds the best way to launch sandboxed commands here: bubblewrap as nobody, bubblewrap as the user, or nothing.</summary>
internal static class IsolationProbe
{
    private static readonly Lazy<LocalCapabilities> Cached = new(Probe);

    public static LocalCapabilities Capabilities => Cached.Value;

    private static LocalCapabilities Probe()
    {
        var tools = LocalTools.Find();
        var problems = new List<string>();
        if (!OperatingSystem.IsLinux())
            return new LocalCapabilities(LaunchMode.Unisolated, tools, null, null, ["the local sandbox needs Linux namespaces; this is not Linux (use the docker backend)"]);
        if (tools.Prlimit is null) problems.Add("prlimit not found (util-linux): no per-process limits");
        string? version = null;
        var mode = LaunchMode.Unisolated;
        if (tools.Bubblewrap is null)
        {
            problems.Add("bubblewrap (bwrap) is not installed: run scripts/install-sandbox-deps (apt-get install bubblewrap)");
        }
        else
        {
            version = Run(tools.Bubblewrap, "--version").Output.Replace("bubblewrap", "").Trim();
            var candidates = Native.IsRoot && tools.Setpriv is not null ? new[] { LaunchMode.BubblewrapAsSandboxUser, LaunchMode.Bubblewrap } : [LaunchMode.Bubblewrap];
            foreach (var candidate in candidates)
            {
                var error = TryLaunch(candidate, tools);
                if (error is null) { mode = candidate; break; }
                problems.Add($"bubblewrap{(candidate == LaunchMode.BubblewrapAsSandboxUser ? " as an unprivileged uid" : "")} cannot create namespaces here: {error}");
            }
            if (mode != LaunchMode.Unisolated) problems.Clear();
            if (tools.Prlimit is null) problems.Add("prlimit not found (util-linux): no per-process limits");
        }
        var cgroups = CgroupLayout.Find();
        if (cgroups is null)
        {
            problems.Add("memory/pids cgroups: none usable here; limits are per process only (setrlimit)");
        }
        else
        {
            var test = Cgroup.TryCreate(cgroups, $"forge-probe-{Environment.ProcessId}", 64 << 20, 16);
            if (test is null)
            {
                problems.Add($"memory/pids cgroups: {cgroups} is not writable by this user; limits are per process only (setrlimit)");
                cgroups = null;
            }
            else
            {
                test.Destroy();
            }
        }
        return new LocalCapabilities(mode, tools, cgroups, version, problems);
    }

    private static string? TryLaunch(LaunchMode mode, LocalTools tools)
    {
        var root = Path.Combine(Reaper.DefaultRoot, $"probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var paths = new SandboxPaths(root);
        try
        {
            Directory.CreateDirectory(paths.Workspace);
            Directory.CreateDirectory(paths.Temp);
            var launcher = new Launcher(mode, tools with { Prlimit = tools.Prlimit ?? "/usr/bin/env" }, SandboxOptions.Default);
            foreach (var dir in new[] { Reaper.DefaultRoot, root })
                Workspace.SetMode(dir, (UnixFileMode)0b111_001_001);
            int? uid = launcher.DropsRoot ? Launcher.NobodyId : null;
            Workspace.GiveTo(paths.Workspace, uid);
            Workspace.GiveTo(paths.Temp, uid);
            var info = launcher.Build(paths, uid, ["/bin/sh", "-c", "echo ok > /workspace/probe && cat /workspace/probe"], new Dictionary<string, string>(), null);
            using var process = ProcessSpawner.StartAsync(info).GetAwaiter().GetResult();
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(20)))
            {
                process.Kill(entireProcessTree: true);
                return "a trial command did not finish within 20 s";
            }
            return process.ExitCode == 0 && output.Result.Trim() == "ok" ? null : $"exit {process.ExitCode}: {error.Result.Trim()}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            return e.Message;
        }
        finally
        {
            Workspace.Delete(root);
        }
    }

    private static (int ExitCode, string Output) Run(string program, params string[] args)
    {
        try
        {
            var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in args) info.ArgumentList.Add(arg);
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }
}
