namespace Forge.Agents.ChatFormat;

/// <summary>Who a piece of the rendered conversation comes from, which decides whether training learns from it.</summary>
public enum SegmentSource
{
    /// <summary>Rendered by the template (headers, the prompt, tool results, user turns): conditioning only.</summary>
    Context,

    /// <summary>Written by the policy (an assistant message's body and its end marker): what training learns.</summary>
    Policy,
}

/// <summary>One piece of a rendered conversation: its text, where it comes from, the message it belongs to, and whether it is markup.</summary>
/// <param name="Text">The rendered text.</param>
/// <param name="Source">Context or policy output.</param>
/// <param name="MessageIndex">Index of the message in the conversation; -1 for a tool list without a system message and the trailing generation header.</param>
/// <param name="Markup">
/// True for what the template writes (markers, the tool list, an assistant body): a tokenizer turns marker strings in it into
/// special tokens. False for message text from users, tools and prompts: encoded literally, so a tool result that contains
/// <c>&lt;|end|&gt;</c> cannot forge a turn boundary.
/// </param>
public readonly record struct ChatSegment(string Text, SegmentSource Source, int MessageIndex, bool Markup = true);
