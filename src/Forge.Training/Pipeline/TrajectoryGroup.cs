using Forge.Core;
using Forge.Training.Rl;

namespace Forge.Training.Pipeline;

/// <summary>The G rollouts of one task that share a group id: the unit group-relative advantages are computed over.</summary>
/// <param name="GroupId">The shared group id.</param>
/// <param name="Trajectories">The rollouts, in completion order.</param>
public sealed record TrajectoryGroup(string GroupId, IReadOnlyList<Trajectory> Trajectories)
{
    /// <summary>The oldest policy version that acted in any rollout of the group (null when no trainable policy acted).</summary>
    public int? OldestPolicyVersion => Trajectories
        .SelectMany(t => t.Steps.Select(s => s.Action.PolicyVersion).Concat(t.TokenSequences.Select(s => s.PolicyVersion)))
        .Where(v => v is not null).Min();

    /// <summary>The rollouts that were scored: an errored one (agent, environment, sandbox) has a 0 that is not an outcome to compare with.</summary>
    public IReadOnlyList<Trajectory> Scored => [.. Trajectories.Where(t => t.Termination != Termination.Errored)];

    /// <summary>Whether the group carries a learning signal: at least two scored rollouts whose rewards are not all equal.</summary>
    public bool HasSignal => Scored is { Count: >= 2 } scored && !Advantages.AllEqual([.. scored.Select(t => t.TotalReward)]);
}
