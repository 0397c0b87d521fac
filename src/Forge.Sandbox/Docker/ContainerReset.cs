using System.Text.Json;
using Forge.Sandbox.Python;

namespace Forge.Sandbox.Docker;

/// <summary>
/// Makes a container that served one episode fit for the next instead of creating a new one: <c>forge_reset.py</c>
/// (embedded) kills every process but PID 1, removes IPC objects, empties <c>/workspace</c>, <c>/tmp</c>,
/// <c>/dev/shm</c> and <c>/dev/mqueue</c>, restores the workspaces' modes and attributes, verifies all of it and reports
/// in one frame; clean, it then becomes the next episode's warm Python driver. A container that is not verified clean
/// is never handed out again.
/// </summary>
internal static class ContainerReset
{
    /// <summary>The reset script, as embedded in this assembly.</summary>
    public static string Source { get; } = Load();

    /// <summary>The command that resets the container and then runs the warm driver (<see cref="WarmPython.DriverSource"/>).</summary>
    public static IReadOnlyList<string> ThenDriverCommand { get; } = ["python3", "-I", "-X", "utf8", "-c", Source, WarmPython.DriverSource];

    /// <summary>What a reset found: whether the container is clean, and what was left when it isn't.</summary>
    public sealed record Outcome(bool Clean, IReadOnlyList<string> Left);

    /// <summary>Reads the reset's report frame; none (the reset died or was killed) or one that isn't a report is not clean.</summary>
    public static Outcome Parse(JsonElement? report)
    {
        try
        {
            if (report is not { ValueKind: JsonValueKind.Object } frame) return new Outcome(false, ["the reset ended without a report"]);
            var left = frame.GetProperty("left").EnumerateArray().Select(e => e.GetString() ?? "").ToList();
            return new Outcome(left.Count == 0, left);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException)
        {
            return new Outcome(false, [$"the reset's report is not one: {report}"]);
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
