namespace Forge.Core;

/// <summary>
/// The environment contract. One instance serves one episode at a time:
/// <see cref="ResetAsync"/> starts an episode on a task, <see cref="StepAsync"/> answers each assistant message.
/// Implementations never throw for a bad action: a malformed or hostile message is answered with an error observation.
/// Most authors derive from <see cref="ToolEnvironment{TTask}"/> instead of implementing this.
/// </summary>
public interface IEnvironment : IAsyncDisposable
{
    /// <summary>Id, version and declared reward range.</summary>
    EnvironmentInfo Info { get; }

    /// <summary>Starts an episode on <paramref name="task"/>.</summary>
    ValueTask<ResetResult> ResetAsync(EpisodeContext context, IEnvironmentTask task);

    /// <summary>Answers the agent's message.</summary>
    ValueTask<StepResult> StepAsync(Message action, CancellationToken cancellationToken);

    /// <summary>
    /// Ends the episode early because a limit outside the environment was hit (for example the host's turn limit)
    /// and scores what was done so far.
    /// </summary>
    ValueTask<StepResult> TruncateAsync(string reason, CancellationToken cancellationToken);
}

/// <summary>What the registry and the checker know of an environment.</summary>
public sealed record EnvironmentInfo(string Id, string Version, string Description, double MinReward, double MaxReward, bool RequiresSandbox);
