using Forge.Core;

namespace Forge.Serving.Episodes;

/// <summary>
/// The completions served at one episode's path (<c>/episodes/ID/v1</c>), in order. An assistant message a client sends
/// back unchanged (same content and tool call ids) is matched to the choice that produced it, so its exact ids go into
/// the next prompt (token in, token out) and the calls stitch into one sequence.
/// </summary>
public sealed class EpisodeLog(string id)
{
    private readonly List<ServedCall> _calls = [];
    private readonly Lock _lock = new();

    /// <summary>The episode id.</summary>
    public string Id { get; } = id;

    /// <summary>The calls so far.</summary>
    public IReadOnlyList<ServedCall> Calls
    {
        get { lock (_lock) return [.. _calls]; }
    }

    /// <summary>Records a call; returns it with its index.</summary>
    public ServedCall Record(IReadOnlyList<int> promptIds, IReadOnlyList<int> prefixIds, IReadOnlyList<ServedChoice> choices, long version, double temperature,
        IReadOnlyList<Message> messages, IReadOnlyList<ToolSpec> tools)
    {
        lock (_lock)
        {
            var call = new ServedCall(_calls.Count, promptIds, prefixIds, choices, version, temperature, messages, tools);
            _calls.Add(call);
            return call;
        }
    }

    /// <summary>
    /// <paramref name="messages"/> with the ids of each assistant message this episode produced attached (a tool-choice
    /// prefix, then the generated ids), so the next prompt holds exactly what the policy saw and wrote.
    /// </summary>
    public IReadOnlyList<Message> AttachTokens(IReadOnlyList<Message> messages)
    {
        List<(ServedCall Call, ServedChoice Choice)> served;
        lock (_lock) served = [.. _calls.SelectMany(c => c.Choices.Select(choice => (c, choice)))];
        return [.. messages.Select(m => m.Role == Role.Assistant && served.LastOrDefault(s => Same(s.Choice.Message, m)) is { Choice: not null } match
            ? m with
            {
                TokenIds = [.. match.Call.PrefixIds, .. match.Choice.CompletionIds],
                LogProbs = [.. match.Call.PrefixIds.Select(_ => 0f), .. match.Choice.LogProbs],
            }
            : m)];
    }

    // Tool call ids are fresh per reply, so equal ids mean the same reply (a client may re-serialise the arguments).
    private static bool Same(Message served, Message sent) =>
        served.ToolCalls.Count > 0
            ? served.ToolCalls.Select(c => c.Id).SequenceEqual(sent.ToolCalls.Select(c => c.Id))
            : sent.ToolCalls.Count == 0 && served.Content == sent.Content;
}
