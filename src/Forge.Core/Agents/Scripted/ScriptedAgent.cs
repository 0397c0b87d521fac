using Forge.Core;
namespace Forge.Core.Scripted;

/// <summary>
/// Base of the scripted solvers that ship beside their environments: a deterministic policy that reads the typed task
/// and the conversation so far and writes the next message. It keeps no state between turns; everything it needs is in the
/// <see cref="AgentTurn"/> (see <see cref="Script"/> for the helpers solvers share).
/// </summary>
public abstract class ScriptedAgent<TTask>(string id) : IAgent where TTask : class, IEnvironmentTask
{
    /// <inheritdoc />
    public string Id { get; } = id;

    /// <inheritdoc />
    public ValueTask<Message> ActAsync(AgentTurn turn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(turn);
        if (turn.Task is not TTask task)
            throw new ArgumentException($"{Id} solves tasks of type {typeof(TTask).Name}, got {turn.Task?.GetType().Name ?? "null"} (environment `{turn.EnvironmentId}`).", nameof(turn));
        return ValueTask.FromResult(Act(task, turn));
    }

    /// <summary>The next message for <paramref name="task"/> given the conversation in <paramref name="turn"/>.</summary>
    protected abstract Message Act(TTask task, AgentTurn turn);
}
