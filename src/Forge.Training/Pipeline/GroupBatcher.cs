using System.Threading.Channels;
using Forge.Core;
using Forge.Host;

namespace Forge.Training.Pipeline;

/// <summary>
/// A trajectory sink that gathers rollouts by <see cref="Trajectory.GroupId"/> and hands a group to the trainer once all
/// <c>groupSize</c> of its rollouts have arrived. A group with a cancelled rollout is dropped (the run is ending);
/// when the run completes, incomplete groups are dropped and counted.
/// </summary>
public sealed class GroupBatcher : ITrajectorySink
{
    private readonly int _groupSize;
    private readonly Dictionary<string, List<Trajectory>> _pending = new(StringComparer.Ordinal);
    private readonly Channel<TrajectoryGroup> _groups = Channel.CreateUnbounded<TrajectoryGroup>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    /// <summary>Creates a batcher for groups of <paramref name="groupSize"/> rollouts.</summary>
    public GroupBatcher(int groupSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(groupSize, 1);
        _groupSize = groupSize;
    }

    /// <summary>Complete groups, in the order they completed. Completes when the rollouts do.</summary>
    public ChannelReader<TrajectoryGroup> Groups => _groups.Reader;

    /// <summary>Groups dropped because a rollout was cancelled or the run ended before the group was complete.</summary>
    public int DroppedGroups { get; private set; }

    /// <inheritdoc />
    public ValueTask OnTrajectoryAsync(Trajectory trajectory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trajectory);
        if (!_pending.TryGetValue(trajectory.GroupId, out var members))
            _pending[trajectory.GroupId] = members = new List<Trajectory>(_groupSize);
        members.Add(trajectory);
        if (members.Count < _groupSize) return ValueTask.CompletedTask;

        _pending.Remove(trajectory.GroupId);
        if (members.Any(t => t.Termination == Termination.Cancelled)) DroppedGroups++;
        else _groups.Writer.TryWrite(new TrajectoryGroup(trajectory.GroupId, members));
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        DroppedGroups += _pending.Count;
        _pending.Clear();
        _groups.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }
}
