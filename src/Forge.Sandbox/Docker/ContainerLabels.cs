using System.Diagnostics;
using System.Globalization;
using Forge.Core;

namespace Forge.Sandbox.Docker;

/// <summary>
/// The labels on every container of ours: which run and episode it belongs to, and which process owns it (pid,
/// start time and host), so a later process can tell an orphan (owner gone) from a container in use.
/// </summary>
internal static class ContainerLabels
{
    public const string Marker = "forge.sandbox";
    public const string RunId = "forge.run-id";
    public const string SandboxId = "forge.sandbox-id";
    public const string OwnerPid = "forge.owner-pid";
    public const string OwnerStart = "forge.owner-start";
    public const string OwnerHost = "forge.owner-host";

    /// <summary>This process's identity as labels.</summary>
    public static Dictionary<string, string> For(string runId, string sandboxId) => new()
    {
        [Marker] = "1",
        [RunId] = runId,
        [SandboxId] = sandboxId,
        [OwnerPid] = System.Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
        [OwnerStart] = StartTicks(System.Environment.ProcessId)?.ToString(CultureInfo.InvariantCulture) ?? "",
        [OwnerHost] = System.Environment.MachineName,
    };

    /// <summary>
    /// True when the process that created a container with these labels is gone from this host (or the pid now belongs
    /// to another process). Containers of other hosts sharing the engine are never judged orphans.
    /// </summary>
    public static bool OwnerIsGone(IDictionary<string, string> labels)
    {
        if (!labels.TryGetValue(OwnerHost, out var host) || host != System.Environment.MachineName) return false;
        if (!labels.TryGetValue(OwnerPid, out var pidText) || !int.TryParse(pidText, CultureInfo.InvariantCulture, out var pid)) return true;
        var start = StartTicks(pid);
        if (start is null) return true;
        return labels.TryGetValue(OwnerStart, out var recorded) && recorded.Length > 0
            && recorded != start.Value.ToString(CultureInfo.InvariantCulture);
    }

    private static long? StartTicks(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.StartTime.ToUniversalTime().Ticks / TimeSpan.TicksPerSecond;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
