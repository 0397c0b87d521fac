using Forge.Core;

namespace Forge.Agents.ChatTemplates.ToolCalls;

/// <summary>
/// What a tool-call parser read from generated text: the assistant <see cref="Message"/> (its content keeps any
/// <c>&lt;think&gt;</c> block, so the model's template re-renders it as generated), the reasoning inside that block,
/// and why the text was malformed when it was.
/// </summary>
/// <param name="Message">The assistant message; <see cref="Message.Malformed"/> with the raw text when unreadable.</param>
/// <param name="Reasoning">The text of the <c>&lt;think&gt;</c> block, without its tags and surrounding newlines; null when there is none.</param>
/// <param name="Error">Why the message is malformed; null when it is not.</param>
public sealed record AssistantOutput(Message Message, string? Reasoning, string? Error)
{
    /// <summary>The answer without the reasoning: the content after <c>&lt;/think&gt;</c>, leading newlines dropped.</summary>
    public string Answer => ThinkBlock.Split(Message.Content).Answer;

    internal static AssistantOutput Malformed(string generated, string error) =>
        new(new Message { Role = Role.Assistant, Content = generated, Malformed = true }, null, error);
}

/// <summary>Reads a model's output into an assistant message with its tool calls.</summary>
public interface IToolCallParser
{
    /// <summary>Parses <paramref name="generated"/> (without the end-of-turn token); never throws on bad text. Call ids are <c>call_{turnIndex}_{n}</c>.</summary>
    AssistantOutput Parse(string generated, IReadOnlyList<ToolSpec> tools, int turnIndex);
}
