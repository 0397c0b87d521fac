using System.Text;
using Forge.Core;

namespace Forge.Agents.ChatFormat;

/// <summary>
/// Renders a conversation in Forge's chat format, message by message, so that the rendering of a conversation is always
/// a prefix of the rendering of its continuation (what makes token-exact training possible):
/// <code>
/// &lt;|system|&gt;You open vaults.
/// tools: &lt;call&gt;lookup key&lt;/call&gt;&lt;|end|&gt;&lt;|user|&gt;Open vault K3.&lt;|end|&gt;&lt;|assistant|&gt;&lt;call&gt;lookup K3&lt;/call&gt;&lt;|end|&gt;&lt;|tool|&gt;owl&lt;|end|&gt;&lt;|assistant|&gt;owl&lt;|end|&gt;
/// </code>
/// The tool list goes into the first system message (or a system message of its own when there is none).
/// An assistant message's body and its end marker are <see cref="SegmentSource.Policy"/>; everything else is context.
/// Message text is kept apart from markup (<see cref="ChatSegment.Markup"/>) so that it is never read as markers.
/// </summary>
public sealed class ChatTemplate : IChatFormat
{
    /// <summary>The default template: tool list with descriptions.</summary>
    public static ChatTemplate Default { get; } = new();

    /// <summary>Whether the tool list shows each tool's description after its call syntax (default true). Off saves prompt tokens for tiny models.</summary>
    public bool ToolDescriptions { get; init; } = true;

    /// <inheritdoc />
    public IReadOnlyList<string> EndOfTurn { get; } = [ChatMarkers.EndOfTurn];

    /// <summary>Parses generated text with <see cref="AssistantParser"/>.</summary>
    public Message Parse(string generated, IReadOnlyList<ToolSpec> tools, int turnIndex) => AssistantParser.Parse(generated, tools, turnIndex);

    /// <summary>
    /// Renders <paramref name="conversation"/> into segments. With <paramref name="generationHeader"/> the result ends with the
    /// assistant header, ready for the policy to write the next message.
    /// </summary>
    public IReadOnlyList<ChatSegment> Render(IReadOnlyList<Message> conversation, IReadOnlyList<ToolSpec> tools, bool generationHeader = false)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        ArgumentNullException.ThrowIfNull(tools);
        var segments = new List<ChatSegment>(conversation.Count * 2 + 2);
        var toolList = tools.Count == 0 ? "" : ToolList(tools);
        var toolListPlaced = toolList.Length == 0;
        if (!toolListPlaced && (conversation.Count == 0 || conversation[0].Role != Role.System))
        {
            segments.Add(new ChatSegment(ChatMarkers.System + toolList + ChatMarkers.EndOfTurn, SegmentSource.Context, -1));
            toolListPlaced = true;
        }
        for (var i = 0; i < conversation.Count; i++)
        {
            var message = conversation[i];
            switch (message.Role)
            {
                case Role.System:
                    segments.Add(new ChatSegment(ChatMarkers.System, SegmentSource.Context, i));
                    if (message.Content.Length > 0) segments.Add(new ChatSegment(message.Content, SegmentSource.Context, i, Markup: false));
                    if (!toolListPlaced)
                    {
                        segments.Add(new ChatSegment(message.Content.Length == 0 ? toolList : "\n" + toolList, SegmentSource.Context, i));
                        toolListPlaced = true;
                    }
                    segments.Add(new ChatSegment(ChatMarkers.EndOfTurn, SegmentSource.Context, i));
                    break;
                case Role.User:
                case Role.Tool:
                    segments.Add(new ChatSegment(message.Role == Role.User ? ChatMarkers.User : ChatMarkers.Tool, SegmentSource.Context, i));
                    if (message.Content.Length > 0) segments.Add(new ChatSegment(message.Content, SegmentSource.Context, i, Markup: false));
                    segments.Add(new ChatSegment(ChatMarkers.EndOfTurn, SegmentSource.Context, i));
                    break;
                case Role.Assistant:
                    segments.Add(new ChatSegment(ChatMarkers.Assistant, SegmentSource.Context, i));
                    segments.Add(new ChatSegment(AssistantBody(message, tools) + ChatMarkers.EndOfTurn, SegmentSource.Policy, i));
                    break;
                default:
                    throw new ArgumentException($"Message {i} has the unknown role {message.Role}.", nameof(conversation));
            }
        }
        if (generationHeader) segments.Add(new ChatSegment(ChatMarkers.Assistant, SegmentSource.Context, -1));
        return segments;
    }

    /// <summary>The whole rendering as one string.</summary>
    public string RenderText(IReadOnlyList<Message> conversation, IReadOnlyList<ToolSpec> tools, bool generationHeader = false) =>
        string.Concat(Render(conversation, tools, generationHeader).Select(s => s.Text));

    /// <summary>
    /// What the policy writes for <paramref name="message"/> (without the end marker): its text, then its tool calls in compact syntax.
    /// A malformed message is rendered as its raw text.
    /// </summary>
    public static string AssistantBody(Message message, IReadOnlyList<ToolSpec> tools)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Malformed || message.ToolCalls.Count == 0) return message.Content;
        var sb = new StringBuilder(message.Content);
        foreach (var call in message.ToolCalls)
            sb.Append(ChatMarkers.CallOpen).Append(ToolCallSyntax.Format(call, tools.FirstOrDefault(t => t.Name == call.Name))).Append(ChatMarkers.CallClose);
        return sb.ToString();
    }

    private string ToolList(IReadOnlyList<ToolSpec> tools)
    {
        var sb = new StringBuilder("tools:");
        foreach (var tool in tools)
        {
            sb.Append('\n').Append(ChatMarkers.CallOpen).Append(tool.Name);
            foreach (var parameter in ToolCallSyntax.ParameterNames(tool)) sb.Append(' ').Append(parameter);
            sb.Append(ChatMarkers.CallClose);
            if (ToolDescriptions && tool.Description.Length > 0) sb.Append(' ').Append(tool.Description);
        }
        return sb.ToString();
    }
}
