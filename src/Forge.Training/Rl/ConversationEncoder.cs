using Forge.Agents.ChatFormat;
using Forge.Core;
using Forge.Training.Tokenization;

namespace Forge.Training.Rl;

/// <summary>
/// Turns conversations into token sequences without retokenization drift: context segments of the chat template
/// (prompt, user turns, tool results, headers) are encoded deterministically, segment by segment, while an assistant
/// message that a local policy generated contributes exactly its recorded <see cref="Message.TokenIds"/> and
/// <see cref="Message.LogProbs"/>. The prompt a policy generates from and the training sequence are built by the same
/// code, so the sequence trained on is the prompt of each turn followed by the ids sampled at that turn.
/// </summary>
/// <param name="template">The chat template.</param>
/// <param name="encode">Encodes a piece of text; with the flag set, marker strings become their special ids, otherwise the text is encoded literally.</param>
/// <param name="endOfTurnId">The id of <see cref="ChatMarkers.EndOfTurn"/>; appended as context after a generation that stopped without it.</param>
public sealed class ConversationEncoder(ChatTemplate template, Func<string, bool, IReadOnlyList<int>> encode, int endOfTurnId)
{
    /// <summary>An encoder over <paramref name="tokenizer"/>, whose special tokens must include every <see cref="ChatMarkers"/> string.</summary>
    public static ConversationEncoder For(ITokenizer tokenizer, ChatTemplate template)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        return new ConversationEncoder(template, tokenizer.Encode, tokenizer.SpecialTokenId(ChatMarkers.EndOfTurn));
    }

    /// <summary>The chat template.</summary>
    public ChatTemplate Template { get; } = template;

    /// <summary>The id of the end-of-turn marker.</summary>
    public int EndOfTurnId { get; } = endOfTurnId;

    /// <summary>Encodes <paramref name="conversation"/>; with <paramref name="generationHeader"/> it ends with the assistant header (a generation prompt).</summary>
    public EncodedConversation Encode(IReadOnlyList<Message> conversation, IReadOnlyList<ToolSpec> tools, bool generationHeader = false)
    {
        var ids = new List<int>(256);
        var mask = new List<bool>(256);
        var logProbs = new List<float>(256);
        var hasLogProbs = true;
        foreach (var segment in Template.Render(conversation, tools, generationHeader))
        {
            var message = segment.MessageIndex >= 0 ? conversation[segment.MessageIndex] : null;
            if (segment.Source == SegmentSource.Policy && message?.TokenIds is { } generated)
            {
                var recorded = message.LogProbs;
                if (recorded is not null && recorded.Count != generated.Count)
                    throw new InvalidDataException($"Assistant message {segment.MessageIndex} has {generated.Count} token ids but {recorded.Count} log-probs.");
                hasLogProbs &= recorded is not null;
                for (var i = 0; i < generated.Count; i++)
                {
                    ids.Add(generated[i]);
                    mask.Add(true);
                    logProbs.Add(recorded?[i] ?? 0f);
                }
                if (generated.Count == 0 || generated[^1] != EndOfTurnId)
                    Append(ids, mask, logProbs, [EndOfTurnId], policy: false);   // cut off by max new tokens: close the turn as context
                continue;
            }
            var policy = segment.Source == SegmentSource.Policy;
            if (policy) hasLogProbs = false;
            Append(ids, mask, logProbs, encode(segment.Text, segment.Markup), policy);
        }
        return new EncodedConversation([.. ids], [.. mask], [.. logProbs], hasLogProbs);
    }

    /// <summary>Encodes a finished trajectory (its prompt and every step).</summary>
    public EncodedConversation Encode(Trajectory trajectory)
    {
        ArgumentNullException.ThrowIfNull(trajectory);
        return Encode(trajectory.Messages().ToList(), trajectory.Tools);
    }

    private static void Append(List<int> ids, List<bool> mask, List<float> logProbs, IReadOnlyList<int> tokens, bool policy)
    {
        foreach (var t in tokens)
        {
            ids.Add(t);
            mask.Add(policy);
            logProbs.Add(0f);
        }
    }
}
