using Forge.Host.Recording;

namespace Forge.Cli.Commands.Trajectories;

/// <summary>Recorded text made safe for a terminal: the one escaping rule of <see cref="DisplayText"/>. Line breaks are left to the caller.</summary>
internal static class TerminalText
{
    public static string Escape(string? text) => DisplayText.Escape(text);
}
