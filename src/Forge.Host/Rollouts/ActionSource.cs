using Forge.Core;

namespace Forge.Host;

/// <summary>
/// Where the episode driver (<see cref="EpisodeRunner"/>) gets each action: an agent (<see cref="AgentActions"/>), a
/// recording (<see cref="RecordedActions"/>), or a recording's first steps and then an agent (<see cref="ChainedActions"/>).
/// Every path runs through the same driver, with the same deadlines, error boundaries, sandbox and disposal.
/// </summary>
internal abstract class ActionSource
{
    /// <summary>The agent id recorded in the trajectory.</summary>
    public abstract string AgentId { get; }

    /// <summary>The agent's description recorded in the trajectory's provenance.</summary>
    public abstract AgentProvenance Provenance { get; }

    /// <summary>
    /// The next action, or null when the source has no more; then <see cref="Exhausted"/> says how the episode ends.
    /// Throws <see cref="Polly.Timeout.TimeoutRejectedException"/> when an agent overruns <paramref name="turnTimeout"/>.
    /// </summary>
    public abstract ValueTask<Message?> NextAsync(AgentTurn turn, TimeSpan turnTimeout, CancellationToken cancellationToken);

    /// <summary>How the episode ends when the source runs out of actions before the environment ends it.</summary>
    public virtual SourceEnd Exhausted => SourceEnd.Stop;
}

/// <summary>What the driver does when an action source runs out.</summary>
/// <param name="TruncationReason">Null: stop where it is (the episode is recorded as cancelled, unscored). Otherwise the host truncates the episode with this reason and scores it, as it does when one of its limits is hit.</param>
internal sealed record SourceEnd(string? TruncationReason)
{
    /// <summary>Stop without asking the environment anything more.</summary>
    public static SourceEnd Stop { get; } = new((string?)null);
}

/// <summary>Actions from an agent, under the resilience pipeline (turn deadline, retries of transient faults). Never runs out.</summary>
internal sealed class AgentActions(IAgent agent, AgentPipeline pipeline) : ActionSource
{
    public override string AgentId => agent.Id;

    public override AgentProvenance Provenance => agent.Provenance;

    public override async ValueTask<Message?> NextAsync(AgentTurn turn, TimeSpan turnTimeout, CancellationToken cancellationToken) =>
        await pipeline.ActAsync(turn, turnTimeout, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Agent {agent.Id} returned no message.");
}

/// <summary>Recorded actions, sent in order; no agent is involved.</summary>
/// <param name="actions">The actions.</param>
/// <param name="agentId">The id recorded in the trajectory.</param>
/// <param name="exhausted">What happens after the last action when the environment hasn't ended the episode.</param>
internal sealed class RecordedActions(IReadOnlyList<Message> actions, string agentId, SourceEnd? exhausted = null) : ActionSource
{
    private int _next;

    public override string AgentId => agentId;

    public override AgentProvenance Provenance => new() { Type = "recorded", Details = $"{actions.Count} recorded actions" };

    public override SourceEnd Exhausted => exhausted ?? SourceEnd.Stop;

    /// <summary>How many actions were handed out.</summary>
    public int Sent => _next;

    public override ValueTask<Message?> NextAsync(AgentTurn turn, TimeSpan turnTimeout, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_next < actions.Count ? actions[_next++] : null);
}

/// <summary>The first source's actions until it runs out, then the second's: a recording's first steps, then an agent (a fork).</summary>
internal sealed class ChainedActions(ActionSource first, ActionSource then) : ActionSource
{
    private bool _switched;

    public override string AgentId => then.AgentId;

    public override AgentProvenance Provenance => then.Provenance;

    public override SourceEnd Exhausted => then.Exhausted;

    public override async ValueTask<Message?> NextAsync(AgentTurn turn, TimeSpan turnTimeout, CancellationToken cancellationToken)
    {
        if (!_switched && await first.NextAsync(turn, turnTimeout, cancellationToken).ConfigureAwait(false) is { } action) return action;
        _switched = true;
        return await then.NextAsync(turn, turnTimeout, cancellationToken).ConfigureAwait(false);
    }
}
