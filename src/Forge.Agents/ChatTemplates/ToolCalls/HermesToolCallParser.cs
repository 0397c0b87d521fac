using Forge.Agents.ChatFormat;
using Forge.Core;

namespace Forge.Agents.ChatTemplates.ToolCalls;

/// <summary>
/// Qwen's (Hermes-style) tool calls: optional <c>&lt;think&gt;…&lt;/think&gt;</c>, then the answer text, then zero or more
/// <code>
/// &lt;tool_call&gt;
/// {"name": "get_weather", "arguments": {"city": "Paris"}}
/// &lt;/tool_call&gt;
/// </code>
/// separated by whitespace. The content is the text before the first call (trailing whitespace dropped, the think block
/// kept), which is what Qwen's templates render back before the calls. Bad JSON, an unknown tool, an unclosed or stray
/// tag, text after the calls or a turn marker make the message malformed.
/// </summary>
public sealed class HermesToolCallParser : IToolCallParser
{
    /// <summary>Opens a call.</summary>
    public const string CallOpen = "<tool_call>";

    /// <summary>Closes a call.</summary>
    public const string CallClose = "</tool_call>";

    /// <summary>A parser that treats <paramref name="turnMarkers"/> (the template's role and end markers) as forbidden in generated text.</summary>
    public HermesToolCallParser(IReadOnlyList<string> turnMarkers) => TurnMarkers = turnMarkers;

    /// <summary>Qwen's markers: <c>&lt;|im_start|&gt;</c>, <c>&lt;|im_end|&gt;</c>, <c>&lt;|endoftext|&gt;</c>.</summary>
    public static HermesToolCallParser Qwen { get; } = new(["<|im_start|>", "<|im_end|>", "<|endoftext|>"]);

    /// <summary>Markers that may not appear in a message.</summary>
    public IReadOnlyList<string> TurnMarkers { get; }

    /// <inheritdoc />
    public AssistantOutput Parse(string generated, IReadOnlyList<ToolSpec> tools, int turnIndex)
    {
        ArgumentNullException.ThrowIfNull(generated);
        ArgumentNullException.ThrowIfNull(tools);
        foreach (var marker in TurnMarkers)
            if (generated.Contains(marker, StringComparison.Ordinal)) return AssistantOutput.Malformed(generated, $"the message contains the marker {marker}");

        var first = generated.IndexOf(CallOpen, StringComparison.Ordinal);
        var content = first < 0 ? generated : generated[..first];
        if (ThinkBlock.Validate(content) is { } thinkError) return AssistantOutput.Malformed(generated, thinkError);
        if (content.Contains(CallClose, StringComparison.Ordinal)) return AssistantOutput.Malformed(generated, $"{CallClose} without {CallOpen}");
        if (generated.Contains(ThinkBlock.Open, StringComparison.Ordinal) != content.Contains(ThinkBlock.Open, StringComparison.Ordinal)
            || generated.Contains(ThinkBlock.Close, StringComparison.Ordinal) != content.Contains(ThinkBlock.Close, StringComparison.Ordinal))
            return AssistantOutput.Malformed(generated, "a <think> tag among the tool calls");

        var calls = new List<ToolCall>();
        var position = first;
        while (position >= 0 && position < generated.Length)
        {
            var bodyStart = position + CallOpen.Length;
            var close = generated.IndexOf(CallClose, bodyStart, StringComparison.Ordinal);
            if (close < 0) return AssistantOutput.Malformed(generated, $"{CallOpen} is never closed");
            var body = generated[bodyStart..close];
            if (body.Contains(CallOpen, StringComparison.Ordinal)) return AssistantOutput.Malformed(generated, $"{CallOpen} inside a call");
            var call = ToolCallSyntax.ParseJson(body.Trim(), tools, $"call_{turnIndex}_{calls.Count}", "arguments", out var error);
            if (call is null) return AssistantOutput.Malformed(generated, error!);
            calls.Add(call);
            position = close + CallClose.Length;
            var next = generated.IndexOf(CallOpen, position, StringComparison.Ordinal);
            var between = generated[position..(next < 0 ? generated.Length : next)];
            if (between.Trim().Length > 0) return AssistantOutput.Malformed(generated, "text after a tool call");
            position = next;
        }
        var message = new Message { Role = Role.Assistant, Content = calls.Count > 0 ? content.TrimEnd() : content.Trim(), ToolCalls = calls };
        return new AssistantOutput(message, ThinkBlock.Split(content).Reasoning, null);
    }
}
