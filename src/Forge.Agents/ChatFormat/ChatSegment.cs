namespace Forge.Agents.ChatFormat;

/// <summary>Who a piece of the rendered conversation comes from, which decides whether training learns from it.</summary>
public enum SegmentSource
{
    /// <summary>Rendered by the template (headers, the prompt, tool results, user turns): conditioning only.</summary>
    Context,

    /// <summary>Written by the policy (an assistant message's body and its end marker): what training learns.</summary>
    Policy,
}

/// <summary>One piece of a rendered conversation: its text, where it comes from and the message it belongs to.</summary>
/// <param name="Text">The rendered text (markers included).</param>
/// <param name="Source">Context or policy output.</param>
/// <param name="MessageIndex">Index of the message in the conversation; -1 for the tool list and the trailing generation header.</param>
public readonly record struct ChatSegment(string Text, SegmentSource Source, int MessageIndex);
