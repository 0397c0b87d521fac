using Forge.Agents.ChatFormat;
using Forge.Agents.ChatTemplates.ToolCalls;
using Forge.Core;

namespace Forge.Agents.ChatTemplates;

/// <summary>
/// A model's own chat template as a Forge chat format: the template renders, a tool-call parser reads generated text
/// back, and the segments are built by appending, turn after turn:
/// <list type="bullet">
/// <item>the context before the first assistant message is the template's rendering of those messages with the generation prompt;</item>
/// <item>an assistant message's policy segment is what the template adds for it (rendering up to it with the message minus
/// rendering up to it with the generation prompt), cut after its end-of-turn string — what the template writes after that
/// string (Qwen's <c>\n</c>) belongs to the following context;</item>
/// <item>the context after an assistant message (tool results, user turns, the next generation prompt) is rendered against a
/// stable anchor — the system message, the last user message and that assistant message — and taken after the anchor's
/// last end-of-turn string, so a template that re-renders earlier turns differently once the conversation grows (Qwen3
/// drops the <c>&lt;think&gt;</c> blocks of turns before the last user query) never changes what was already encoded.</item>
/// </list>
/// Every segment is <see cref="ChatSegment.Markup"/>: special-token strings anywhere in the rendering become special
/// tokens, as they do when transformers tokenizes the rendered template.
/// </summary>
public sealed class HfChatFormat : IChatFormat
{
    /// <summary>A format from its parts. <paramref name="variables"/> go to the template (e.g. <c>enable_thinking</c> → false).</summary>
    public HfChatFormat(HfChatTemplate template, IToolCallParser parser, IReadOnlyList<string> endOfTurn, IReadOnlyDictionary<string, object?>? variables = null)
    {
        Template = template ?? throw new ArgumentNullException(nameof(template));
        Parser = parser ?? throw new ArgumentNullException(nameof(parser));
        ArgumentNullException.ThrowIfNull(endOfTurn);
        if (endOfTurn.Count == 0) throw new ArgumentException("A chat format needs at least one end-of-turn string.", nameof(endOfTurn));
        EndOfTurn = endOfTurn;
        Variables = variables ?? new Dictionary<string, object?>();
    }

    /// <summary>
    /// The format for <paramref name="template"/>, told from its markers: Qwen (<c>&lt;|im_end|&gt;</c>, Hermes
    /// <c>&lt;tool_call&gt;</c> calls) or Llama 3.x (<c>&lt;|eot_id|&gt;</c>/<c>&lt;|eom_id|&gt;</c>, JSON calls).
    /// </summary>
    public static HfChatFormat For(HfChatTemplate template, IReadOnlyDictionary<string, object?>? variables = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (template.Source.Contains("<|im_end|>", StringComparison.Ordinal))
            return new HfChatFormat(template, HermesToolCallParser.Qwen, ["<|im_end|>"], variables);
        if (template.Source.Contains("<|eot_id|>", StringComparison.Ordinal))
            return new HfChatFormat(template, LlamaToolCallParser.Llama3, ["<|eot_id|>", "<|eom_id|>"], variables);
        throw new NotSupportedException(
            "This chat template's end-of-turn token and tool-call syntax are unknown to Forge (it knows Qwen's <|im_end|> with <tool_call> calls " +
            "and Llama 3's <|eot_id|> with JSON calls); build an HfChatFormat with its parser and end-of-turn strings.");
    }

    /// <summary>The model's template.</summary>
    public HfChatTemplate Template { get; }

    /// <summary>The parser of the model's tool-call syntax.</summary>
    public IToolCallParser Parser { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> EndOfTurn { get; }

    /// <summary>Extra template variables.</summary>
    public IReadOnlyDictionary<string, object?> Variables { get; }

    /// <inheritdoc />
    public Message Parse(string generated, IReadOnlyList<ToolSpec> tools, int turnIndex) => Parser.Parse(generated, tools, turnIndex).Message;

    /// <summary>Parses generated text, with the reasoning and the error exposed.</summary>
    public AssistantOutput ParseOutput(string generated, IReadOnlyList<ToolSpec> tools, int turnIndex) => Parser.Parse(generated, tools, turnIndex);

    /// <inheritdoc />
    public IReadOnlyList<ChatSegment> Render(IReadOnlyList<Message> conversation, IReadOnlyList<ToolSpec> tools, bool generationHeader = false)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        ArgumentNullException.ThrowIfNull(tools);
        var segments = new List<ChatSegment>();
        var assistants = Enumerable.Range(0, conversation.Count).Where(i => conversation[i].Role == Role.Assistant).ToList();
        if (assistants.Count == 0)
        {
            AddContext(segments, RenderText(conversation, tools, generationHeader), conversation.Count - 1);
            return segments;
        }
        AddContext(segments, RenderText(conversation.Take(assistants[0]).ToList(), tools, true), assistants[0] - 1);
        for (var k = 0; k < assistants.Count; k++)
        {
            var at = assistants[k];
            var (body, trailing) = AssistantTurn(conversation, tools, at);
            segments.Add(new ChatSegment(body, SegmentSource.Policy, at));
            var end = k + 1 < assistants.Count ? assistants[k + 1] : conversation.Count;
            var followers = conversation.Skip(at + 1).Take(end - at - 1).ToList();
            var header = k + 1 < assistants.Count || generationHeader;
            if (followers.Count == 0 && !header) AddContext(segments, trailing, at);
            else AddContext(segments, FollowingContext(conversation, tools, at, followers, header), followers.Count > 0 ? end - 1 : -1);
        }
        return segments;
    }

    private static void AddContext(List<ChatSegment> segments, string text, int messageIndex)
    {
        if (text.Length > 0) segments.Add(new ChatSegment(text, SegmentSource.Context, messageIndex));
    }

    private string RenderText(IReadOnlyList<Message> messages, IReadOnlyList<ToolSpec> tools, bool generationPrompt) =>
        Template.Render(messages, tools, generationPrompt, Variables);

    // The text the template adds for assistant message `at`, split after its end-of-turn string.
    private (string Body, string Trailing) AssistantTurn(IReadOnlyList<Message> conversation, IReadOnlyList<ToolSpec> tools, int at)
    {
        var prompt = RenderText(conversation.Take(at).ToList(), tools, true);
        var full = RenderText(conversation.Take(at + 1).ToList(), tools, false);
        if (!full.StartsWith(prompt, StringComparison.Ordinal))
            throw new InvalidOperationException($"Chat template {Template.Name}: the rendering with assistant message {at} does not extend the generation prompt before it, so the message can't be told apart from its prompt.");
        var added = full[prompt.Length..];
        var (index, length) = FirstEndOfTurn(added, 0);
        if (index < 0)
            throw new InvalidOperationException($"Chat template {Template.Name} renders assistant message {at} without an end-of-turn string ({string.Join(", ", EndOfTurn)}).");
        return (added[..(index + length)], added[(index + length)..]);
    }

    // What follows assistant message `at`: the followers and (optionally) the next generation prompt, rendered after an anchor.
    private string FollowingContext(IReadOnlyList<Message> conversation, IReadOnlyList<ToolSpec> tools, int at, List<Message> followers, bool header)
    {
        var anchor = new List<Message>();
        if (conversation[0].Role == Role.System && at > 0) anchor.Add(conversation[0]);
        var lastUser = conversation.Take(at).LastOrDefault(m => m.Role == Role.User);
        anchor.Add(lastUser ?? Message.User(""));
        anchor.Add(conversation[at]);
        var alone = RenderText(anchor, tools, false);
        var extended = RenderText([.. anchor, .. followers], tools, header);
        var turns = CountEndOfTurns(alone);
        var aloneBefore = AfterEndOfTurn(alone, turns - 1);
        var extendedBefore = AfterEndOfTurn(extended, turns - 1);
        var anchorEnd = AfterEndOfTurn(extended, turns);
        if (turns == 0 || anchorEnd < 0 || extendedBefore < 0 || alone[..aloneBefore] != extended[..extendedBefore])
            throw new InvalidOperationException($"Chat template {Template.Name}: the messages after assistant message {at} change how the conversation before it renders beyond that message, so they can't be appended.");
        return extended[anchorEnd..];
    }

    private (int Index, int Length) FirstEndOfTurn(string text, int from)
    {
        var best = (Index: -1, Length: 0);
        foreach (var marker in EndOfTurn)
        {
            var i = text.IndexOf(marker, from, StringComparison.Ordinal);
            if (i >= 0 && (best.Index < 0 || i < best.Index)) best = (i, marker.Length);
        }
        return best;
    }

    private int CountEndOfTurns(string text)
    {
        var n = 0;
        for (var (i, length) = FirstEndOfTurn(text, 0); i >= 0; (i, length) = FirstEndOfTurn(text, i + length)) n++;
        return n;
    }

    // The offset just after the n-th end-of-turn string (0 for n = 0); -1 when there are fewer.
    private int AfterEndOfTurn(string text, int n)
    {
        var position = 0;
        for (var k = 0; k < n; k++)
        {
            var (i, length) = FirstEndOfTurn(text, position);
            if (i < 0) return -1;
            position = i + length;
        }
        return position;
    }
}
