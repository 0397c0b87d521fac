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
    public ServedCall Record(IReadOnlyList<int> promptIds, IReadOnlyList<ServedChoice> choices, long version, double temperature)
    {
        lock (_lock)
        {
            var call = new ServedCall(_calls.Count, promptIds, choices, version, temperature);
            _calls.Add(call);
            return call;
        }
    }

    /// <summary><paramref name="messages"/> with the generated ids and log-probs attached to each assistant message this episode produced.</summary>
    public IReadOnlyList<Message> AttachTokens(IReadOnlyList<Message> messages)
    {
        List<ServedChoice> served;
        lock (_lock) served = [.. _calls.SelectMany(c => c.Choices)];
        return [.. messages.Select(m => m.Role == Role.Assistant && served.LastOrDefault(c => Same(c.Message, m)) is { } choice
            ? m with { TokenIds = choice.CompletionIds, LogProbs = choice.LogProbs }
            : m)];
    }

    // Tool call ids are fresh per reply, so equal ids mean the same reply (a client may re-serialise the arguments).
    private static bool Same(Message served, Message sent) =>
        served.ToolCalls.Count > 0
            ? served.ToolCalls.Select(c => c.Id).SequenceEqual(sent.ToolCalls.Select(c => c.Id))
            : sent.ToolCalls.Count == 0 && served.Content == sent.Content;
}
