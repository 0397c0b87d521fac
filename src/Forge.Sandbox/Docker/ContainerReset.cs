using System.Text.Json;

namespace Forge.Sandbox.Docker;

/// <summary>
/// Makes a container that served one episode fit for the next instead of creating a new one: <c>forge_reset.py</c>
/// (embedded) kills every process but PID 1, removes IPC objects, empties <c>/workspace</c>, <c>/tmp</c>,
/// <c>/dev/shm</c> and <c>/dev/mqueue</c>, restores the workspaces' modes and attributes, then verifies all of it.
/// A container that is not verified clean is never handed out again.
/// </summary>
internal static class ContainerReset
{
    /// <summary>The reset script, as embedded in this assembly.</summary>
    public static string Source { get; } = Load();

    /// <summary>What a reset found: whether the container is clean, what was left when it isn't, and its cgroup counters.</summary>
    public sealed record Outcome(bool Clean, IReadOnlyList<string> Left, CgroupCounters Counters);

    /// <summary>Resets the container (one exec as the sandbox's user).</summary>
    public static async Task<Outcome> RunAsync(DockerEngine engine, string containerId, CancellationToken cancellationToken)
    {
        var (exitCode, stdout) = await ContainerExec.RunQuietAsync(engine, containerId, ["python3", "-I", "-c", Source], cancellationToken).ConfigureAwait(false);
        return Parse(exitCode, stdout);
    }

    /// <summary>Reads the script's one JSON line; anything else (it crashed, it was killed) is not clean.</summary>
    public static Outcome Parse(int exitCode, string stdout)
    {
        try
        {
            using var report = JsonDocument.Parse(stdout);
            var left = report.RootElement.GetProperty("left").EnumerateArray().Select(e => e.GetString() ?? "").ToList();
            var counters = CgroupCounters.Parse(report.RootElement.GetProperty("counters").GetString() ?? "");
            return new Outcome(exitCode == 0 && left.Count == 0, exitCode == 0 || left.Count > 0 ? left : [$"the reset exited with {exitCode}"], counters);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return new Outcome(false, [$"the reset exited with {exitCode} and printed '{stdout.Trim()}'"], default);
        }
    }

    private static string Load()
    {
        using var stream = typeof(ContainerReset).Assembly.GetManifestResourceStream("Forge.Sandbox.forge_reset.py")
            ?? throw new InvalidOperationException("forge_reset.py is not embedded in Forge.Sandbox.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
