using Forge.Core;

namespace Forge.Agents.ChatFormat;

/// <summary>
/// How a local policy sees a conversation: rendered into segments (context the policy conditions on, policy text it
/// wrote) and its generated text read back into a message. Forge's own format (<see cref="ChatTemplate"/>) and a model's
/// own chat template (<see cref="ChatTemplates.HfChatFormat"/>) implement it.
/// </summary>
public interface IChatFormat
{
    /// <summary>
    /// Renders <paramref name="conversation"/>. Built by appending: the segments of a conversation are a prefix of the segments
    /// of its continuation, so the prompt of a turn is the previous prompt, the ids generated at that turn and the context
    /// that followed. With <paramref name="generationHeader"/> the result ends with the header the policy writes after.
    /// </summary>
    IReadOnlyList<ChatSegment> Render(IReadOnlyList<Message> conversation, IReadOnlyList<ToolSpec> tools, bool generationHeader = false);

    /// <summary>Reads generated text (without its end-of-turn string) back into an assistant message; never throws on bad text.</summary>
    Message Parse(string generated, IReadOnlyList<ToolSpec> tools, int turnIndex);

    /// <summary>The strings that end an assistant turn (each one special token); generation stops on any. The first closes a turn cut off by the token budget.</summary>
    IReadOnlyList<string> EndOfTurn { get; }
}
