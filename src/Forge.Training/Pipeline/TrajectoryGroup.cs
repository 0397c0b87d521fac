using Forge.Core;

namespace Forge.Training.Pipeline;

/// <summary>The G rollouts of one task that share a group id: the unit group-relative advantages are computed over.</summary>
/// <param name="GroupId">The shared group id.</param>
/// <param name="Trajectories">The rollouts, in completion order.</param>
public sealed record TrajectoryGroup(string GroupId, IReadOnlyList<Trajectory> Trajectories)
{
    /// <summary>The oldest policy version that acted in any rollout of the group (null when no trainable policy acted).</summary>
    public int? OldestPolicyVersion => Trajectories
        .SelectMany(t => t.Steps.Select(s => s.Action.PolicyVersion))
        .Where(v => v is not null).Min();
}
