using System.Runtime.InteropServices;

namespace Forge.Sandbox.Local;

/// <summary>The few libc calls the runtime doesn't offer: kill and stop by pid, lchown, geteuid.</summary>
internal static partial class Native
{
    private const int SigKill = 9;
    private const int SigStop = 19;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int NativeKill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int NativeLchown(string path, int owner, int group);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint NativeGeteuid();

    /// <summary>Kills <paramref name="pid"/> with SIGKILL; false when it no longer exists.</summary>
    public static bool Kill(int pid) => pid > 1 && NativeKill(pid, SigKill) == 0;

    /// <summary>Stops <paramref name="pid"/> with SIGSTOP: once this returns, a fork it has not finished fails; false when it no longer exists.</summary>
    public static bool Stop(int pid) => pid > 1 && NativeKill(pid, SigStop) == 0;

    /// <summary>Kills every process of the process group <paramref name="pgid"/> with SIGKILL.</summary>
    public static bool KillGroup(int pgid) => pgid > 1 && NativeKill(-pgid, SigKill) == 0;

    /// <summary>Gives <paramref name="path"/> (not what a link points to) to <paramref name="uid"/>.</summary>
    public static void Chown(string path, int uid)
    {
        if (NativeLchown(path, uid, uid) != 0)
            throw new IOException($"Could not give {path} to uid {uid} (errno {Marshal.GetLastPInvokeError()}).");
    }

    /// <summary>True when Forge runs as root.</summary>
    public static bool IsRoot => NativeGeteuid() == 0;
}
