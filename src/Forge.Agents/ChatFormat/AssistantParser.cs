using System.Text;
using Forge.Core;

namespace Forge.Agents.ChatFormat;

/// <summary>
/// Turns the text a policy generated (without the end marker) back into an assistant <see cref="Message"/>: the text
/// outside <c>&lt;call&gt;…&lt;/call&gt;</c> is the content, each bracketed body is a tool call (see <see cref="ToolCallSyntax"/>).
/// Output that can't be read — bad JSON, an unclosed or stray tag, an unknown tool, too many arguments, a role marker —
/// becomes a message flagged <see cref="Message.Malformed"/> that keeps the raw text; parsing never throws.
/// </summary>
public static class AssistantParser
{
    /// <summary>Parses <paramref name="generated"/>. Call ids are <c>call_{turnIndex}_{n}</c>.</summary>
    public static Message Parse(string generated, IReadOnlyList<ToolSpec> tools, int turnIndex) =>
        Parse(generated, tools, turnIndex, out _);

    /// <summary>Parses <paramref name="generated"/>; <paramref name="error"/> says why a message is malformed.</summary>
    public static Message Parse(string generated, IReadOnlyList<ToolSpec> tools, int turnIndex, out string? error)
    {
        ArgumentNullException.ThrowIfNull(generated);
        ArgumentNullException.ThrowIfNull(tools);
        foreach (var marker in ChatMarkers.RoleHeaders.Append(ChatMarkers.EndOfTurn))
            if (generated.Contains(marker, StringComparison.Ordinal))
                return Malformed(generated, $"the message contains the marker {marker}", out error);

        var content = new StringBuilder();
        var calls = new List<ToolCall>();
        var position = 0;
        while (position < generated.Length)
        {
            var open = generated.IndexOf(ChatMarkers.CallOpen, position, StringComparison.Ordinal);
            var outside = generated[position..(open < 0 ? generated.Length : open)];
            if (outside.Contains(ChatMarkers.CallClose, StringComparison.Ordinal))
                return Malformed(generated, $"{ChatMarkers.CallClose} without {ChatMarkers.CallOpen}", out error);
            content.Append(outside);
            if (open < 0) break;

            var bodyStart = open + ChatMarkers.CallOpen.Length;
            var close = generated.IndexOf(ChatMarkers.CallClose, bodyStart, StringComparison.Ordinal);
            if (close < 0) return Malformed(generated, $"{ChatMarkers.CallOpen} is never closed", out error);
            var body = generated[bodyStart..close];
            if (body.Contains(ChatMarkers.CallOpen, StringComparison.Ordinal))
                return Malformed(generated, $"{ChatMarkers.CallOpen} inside a call", out error);
            var call = ToolCallSyntax.Parse(body, tools, $"call_{turnIndex}_{calls.Count}", out var callError);
            if (call is null) return Malformed(generated, callError!, out error);
            calls.Add(call);
            position = close + ChatMarkers.CallClose.Length;
        }
        error = null;
        return new Message { Role = Role.Assistant, Content = content.ToString().Trim(), ToolCalls = calls };
    }

    private static Message Malformed(string generated, string reason, out string? error)
    {
        error = reason;
        return new Message { Role = Role.Assistant, Content = generated, Malformed = true };
    }
}
