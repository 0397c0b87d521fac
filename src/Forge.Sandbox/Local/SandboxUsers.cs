using System.Diagnostics;
using System.Globalization;
using Forge.Core;

namespace Forge.Sandbox.Local;

/// <summary>
/// A uid of its own for every live sandbox, when Forge runs as root and drops privileges. The kernel counts
/// RLIMIT_NPROC per uid, and a process may signal every process of its uid: with one shared uid (nobody) for all
/// sandboxes, one sandbox's processes (a fork bomb, or dying ones not yet reaped) used up every other sandbox's process
/// limit, and without namespaces one sandbox could kill another's processes. With a uid per sandbox, each limit is the
/// sandbox's own. The uids come from a reserved range (<see cref="FirstUid"/>, <see cref="Count"/> of them), skipping any
/// that <c>/etc/passwd</c> or <c>/etc/subuid</c> hands out; each is held by an exclusive lock on a file in
/// <see cref="DefaultDirectory"/>, so that several Forge processes on one machine never share one, and a uid whose last
/// holder died without releasing it cleanly has every process of it killed before it is handed out again.
/// </summary>
internal sealed class SandboxUsers
{
    /// <summary>The first uid of the reserved range.</summary>
    public const int FirstUid = 1_500_000_000;

    /// <summary>How many uids the range holds.</summary>
    public const int Count = 65_536;

    /// <summary>Where the lock files live: under <c>/run</c>, which only root can write.</summary>
    public const string DefaultDirectory = "/run/forge-sandbox-uids";

    private readonly string _directory;
    private readonly int _first;
    private readonly int _count;
    private readonly string _setpriv;
    private readonly HashSet<int> _taken;
    private int _next;

    public SandboxUsers(string directory, int first, int count, string setpriv)
    {
        _directory = directory;
        _first = first;
        _count = count;
        _setpriv = setpriv;
        _taken = TakenOnThisMachine(first, count);
        // Each process starts at its own place and moves round-robin, so a uid just given back is not reused at once.
        _next = Random.Shared.Next(count);
        Directory.CreateDirectory(directory);
        Workspace.SetMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>The users of this machine's reserved range, for a provider whose commands drop root through <paramref name="setpriv"/>.</summary>
    public static SandboxUsers Open(string setpriv)
    {
        try
        {
            return new SandboxUsers(DefaultDirectory, FirstUid, Count, setpriv);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SandboxException($"The local sandbox could not create {DefaultDirectory}, where it records which uid each sandbox holds: {e.Message}", e);
        }
    }

    /// <summary>For messages: <c>uids 1500000000–1500065535</c>.</summary>
    public string Range => $"uids {_first}–{_first + _count - 1}";

    /// <summary>A uid no other live sandbox (of any process on this machine) holds, with no process left running as it.</summary>
    public SandboxUser Acquire()
    {
        for (var attempt = 0; attempt < _count; attempt++)
        {
            var uid = _first + (int)((uint)Interlocked.Increment(ref _next) % (uint)_count);
            if (_taken.Contains(uid)) continue;
            FileStream file;
            try
            {
                // FileShare.None takes an exclusive advisory lock (flock), released when the file is closed or this process dies.
                file = new FileStream(Path.Combine(_directory, uid.ToString(CultureInfo.InvariantCulture)), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                continue; // held by another sandbox
            }
            try
            {
                if (file.Length > 0) KillEveryProcessOf(uid); // its last holder died without giving it back
                file.SetLength(0);
                var owner = System.Text.Encoding.ASCII.GetBytes($"{Environment.ProcessId} {Reaper.StartTime(Environment.ProcessId)}\n");
                file.Write(owner);
                file.Flush();
                return new SandboxUser(uid, file, this);
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }
        throw new SandboxException($"No free sandbox user: all {Range} are held by live sandboxes (see {_directory}).");
    }

    /// <summary>Kills every process running as <paramref name="uid"/>: a helper running as that uid signals all it may (kill -1), twice, to catch a fork in flight.</summary>
    internal void KillEveryProcessOf(int uid)
    {
        var info = new ProcessStartInfo(_setpriv) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var arg in new[] { $"--reuid={uid}", $"--regid={uid}", "--clear-groups", "/bin/sh", "-c", "kill -s KILL -- -1 2>/dev/null; kill -s KILL -- -1 2>/dev/null; exit 0" })
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info) ?? throw new SandboxException($"Could not start {_setpriv} to clear sandbox uid {uid}.");
        process.StandardError.ReadToEnd();
        process.WaitForExit();
    }

    /// <summary>The uids of the range that this machine already gives to someone (users, and subordinate ranges of user namespaces).</summary>
    private static HashSet<int> TakenOnThisMachine(int first, int count)
    {
        var taken = new HashSet<int>();
        void Add(long from, long length)
        {
            for (var uid = Math.Max(from, first); uid < Math.Min(from + length, (long)first + count); uid++) taken.Add((int)uid);
        }
        foreach (var line in ReadLines("/etc/passwd"))
        {
            var fields = line.Split(':');
            if (fields.Length > 3 && long.TryParse(fields[2], CultureInfo.InvariantCulture, out var uid)) Add(uid, 1);
        }
        foreach (var file in new[] { "/etc/subuid", "/etc/subgid" })
            foreach (var line in ReadLines(file))
            {
                var fields = line.Split(':');
                if (fields.Length == 3 && long.TryParse(fields[1], CultureInfo.InvariantCulture, out var start) && long.TryParse(fields[2], CultureInfo.InvariantCulture, out var length))
                    Add(start, length);
            }
        return taken;
    }

    private static IEnumerable<string> ReadLines(string file)
    {
        try
        {
            return File.Exists(file) ? File.ReadAllLines(file) : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}

/// <summary>One sandbox's uid, held until <see cref="Release"/>.</summary>
internal sealed class SandboxUser(int uid, FileStream lockFile, SandboxUsers users)
{
    private int _released;

    /// <summary>The uid the sandbox's processes run as on the host (inside namespaces they appear as nobody).</summary>
    public int Uid => uid;

    /// <summary>
    /// Gives the uid back. <paramref name="killLeftovers"/> first kills whatever still runs as it (needed where no pid
    /// namespace or cgroup took the sandbox's processes down with it); then the lock file is marked clean and unlocked.
    /// </summary>
    public void Release(bool killLeftovers)
    {
        if (Interlocked.Exchange(ref _released, 1) == 1) return;
        try
        {
            if (killLeftovers) users.KillEveryProcessOf(uid);
            lockFile.SetLength(0);
        }
        catch (Exception e) when (e is IOException or SandboxException or System.ComponentModel.Win32Exception)
        {
            // Left marked: the next holder kills what is left before using it.
        }
        finally
        {
            lockFile.Dispose();
        }
    }
}
