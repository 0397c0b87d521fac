using Forge.Agents.ChatFormat;
using Forge.Core;
using Forge.Training.Tokenization;

namespace Forge.Training.Rl;

/// <summary>
/// Turns conversations into token sequences without retokenization drift: context segments of the chat format
/// (prompt, user turns, tool results, headers) are encoded deterministically, segment by segment, while an assistant
/// message that a local policy generated contributes exactly its recorded <see cref="Message.TokenIds"/> and
/// <see cref="Message.LogProbs"/>. The prompt a policy generates from and the training sequence are built by the same
/// code, so the sequence trained on is the prompt of each turn followed by the ids sampled at that turn. The format is
/// Forge's own (<see cref="ChatTemplate"/>) or a model's chat template (<see cref="Forge.Agents.ChatTemplates.HfChatFormat"/>).
/// </summary>
public sealed class ConversationEncoder
{
    private readonly Func<string, bool, IReadOnlyList<int>> _encode;

    /// <summary>Creates an encoder.</summary>
    /// <param name="format">The chat format.</param>
    /// <param name="encode">Encodes a piece of text; with the flag set, marker strings become their special ids, otherwise the text is encoded literally.</param>
    /// <param name="endOfTurnIds">The ids of the format's end-of-turn strings, in its order; the first is appended as context after a generation that stopped without one.</param>
    public ConversationEncoder(IChatFormat format, Func<string, bool, IReadOnlyList<int>> encode, IReadOnlyList<int> endOfTurnIds)
    {
        Format = format ?? throw new ArgumentNullException(nameof(format));
        _encode = encode ?? throw new ArgumentNullException(nameof(encode));
        ArgumentNullException.ThrowIfNull(endOfTurnIds);
        if (endOfTurnIds.Count == 0) throw new ArgumentException("At least one end-of-turn id is needed.", nameof(endOfTurnIds));
        EndOfTurnIds = endOfTurnIds;
    }

    /// <summary>Creates an encoder whose format has one end-of-turn string, of id <paramref name="endOfTurnId"/>.</summary>
    public ConversationEncoder(IChatFormat format, Func<string, bool, IReadOnlyList<int>> encode, int endOfTurnId)
        : this(format, encode, [endOfTurnId])
    {
    }

    /// <summary>An encoder over <paramref name="tokenizer"/>, whose special tokens must include the format's end-of-turn strings (and, for Forge's format, every <see cref="ChatMarkers"/> string).</summary>
    public static ConversationEncoder For(ITokenizer tokenizer, IChatFormat format)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(format);
        return new ConversationEncoder(format, tokenizer.Encode, format.EndOfTurn.Select(tokenizer.SpecialTokenId).ToList());
    }

    /// <summary>The chat format.</summary>
    public IChatFormat Format { get; }

    /// <summary>The id of the format's first end-of-turn string.</summary>
    public int EndOfTurnId => EndOfTurnIds[0];

    /// <summary>The ids of every end-of-turn string; generation stops on any of them.</summary>
    public IReadOnlyList<int> EndOfTurnIds { get; }

    /// <summary>Encodes <paramref name="conversation"/>; with <paramref name="generationHeader"/> it ends with the assistant header (a generation prompt).</summary>
    public EncodedConversation Encode(IReadOnlyList<Message> conversation, IReadOnlyList<ToolSpec> tools, bool generationHeader = false)
    {
        var ids = new List<int>(256);
        var mask = new List<bool>(256);
        var logProbs = new List<float>(256);
        var hasLogProbs = true;
        foreach (var segment in Format.Render(conversation, tools, generationHeader))
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
                if (generated.Count == 0 || !EndOfTurnIds.Contains(generated[^1]))
                    Append(ids, mask, logProbs, [EndOfTurnId], policy: false);   // cut off by max new tokens: close the turn as context
                continue;
            }
            var policy = segment.Source == SegmentSource.Policy;
            if (policy) hasLogProbs = false;
            Append(ids, mask, logProbs, _encode(segment.Text, segment.Markup), policy);
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
