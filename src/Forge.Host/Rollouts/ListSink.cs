using Forge.Core;

namespace Forge.Host;

/// <summary>Keeps every trajectory of a run in memory, in arrival order, safe to call from concurrent episodes (evaluation, warm-start and benchmark runs are small).</summary>
public sealed class ListSink : ITrajectorySink
{
    private readonly List<Trajectory> _trajectories = [];

    /// <summary>The trajectories received so far.</summary>
    public IReadOnlyList<Trajectory> Trajectories
    {
        get
        {
            lock (_trajectories) return [.. _trajectories];
        }
    }

    /// <inheritdoc />
    public ValueTask OnTrajectoryAsync(Trajectory trajectory, CancellationToken cancellationToken)
    {
        lock (_trajectories) _trajectories.Add(trajectory);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask CompleteAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
