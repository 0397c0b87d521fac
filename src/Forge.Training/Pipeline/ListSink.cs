using Forge.Core;
using Forge.Host;

namespace Forge.Training.Pipeline;

/// <summary>Keeps every trajectory of a run in memory (evaluation and warm-start runs are small).</summary>
internal sealed class ListSink : ITrajectorySink
{
    private readonly List<Trajectory> _trajectories = [];

    public IReadOnlyList<Trajectory> Trajectories => _trajectories;

    public ValueTask OnTrajectoryAsync(Trajectory trajectory, CancellationToken cancellationToken)
    {
        _trajectories.Add(trajectory);
        return ValueTask.CompletedTask;
    }

    public ValueTask CompleteAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
