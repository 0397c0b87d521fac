using Forge.Core;

namespace Forge.Host;

/// <summary>
/// Where finished trajectories go: the recorder, progress and metrics, the trainer's group batcher.
/// The rollout engine calls <see cref="OnTrajectoryAsync"/> once per finished episode (complete, truncated, cancelled or errored),
/// from a single consumer, in completion order, and <see cref="CompleteAsync"/> once when the run ends.
/// </summary>
public interface ITrajectorySink
{
    /// <summary>Receives one finished trajectory.</summary>
    ValueTask OnTrajectoryAsync(Trajectory trajectory, CancellationToken cancellationToken);

    /// <summary>The run has ended; flush whatever is buffered.</summary>
    ValueTask CompleteAsync(CancellationToken cancellationToken);
}
