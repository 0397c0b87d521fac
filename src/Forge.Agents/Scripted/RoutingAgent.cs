using Forge.Core;

namespace Forge.Agents.Scripted;

/// <summary>Sends each turn to the agent registered for the turn's environment (for example each environment's scripted solver).</summary>
public sealed class RoutingAgent : IAgent
{
    private readonly Dictionary<string, IAgent> _byEnvironmentId;

    /// <summary>Routes to <paramref name="byEnvironmentId"/>; <paramref name="id"/> names the agent in trajectories.</summary>
    public RoutingAgent(IReadOnlyDictionary<string, IAgent> byEnvironmentId, string id = "scripted")
    {
        ArgumentNullException.ThrowIfNull(byEnvironmentId);
        _byEnvironmentId = new Dictionary<string, IAgent>(byEnvironmentId, StringComparer.Ordinal);
        Id = id;
    }

    /// <inheritdoc />
    public string Id { get; }

    /// <summary>The agent that serves <paramref name="environmentId"/>; throws <see cref="KeyNotFoundException"/> naming the environments that have one.</summary>
    public IAgent For(string environmentId) =>
        _byEnvironmentId.TryGetValue(environmentId, out var agent) ? agent
            : throw new KeyNotFoundException(_byEnvironmentId.Count == 0
                ? $"No agent is registered for environment `{environmentId}` (the routing agent has none)."
                : $"No agent is registered for environment `{environmentId}`; agents exist for: {string.Join(", ", _byEnvironmentId.Keys.Order(StringComparer.Ordinal))}.");

    /// <inheritdoc />
    public ValueTask<Message> ActAsync(AgentTurn turn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(turn);
        return For(turn.EnvironmentId).ActAsync(turn, cancellationToken);
    }
}
