using Forge.Core;
using Forge.Host;

namespace Forge.Cli.Commands.Run;

/// <summary>Keeps the first errored trajectories of a run, so the summary can say what went wrong.</summary>
internal sealed class ErroredEpisodes(int keep) : ITrajectorySink
{
    private readonly List<Trajectory> _first = [];
    private int _count;

    public IReadOnlyList<Trajectory> First => _first;

    /// <summary>All errored episodes, including those not kept.</summary>
    public int Count => _count;

    public ValueTask OnTrajectoryAsync(Trajectory trajectory, CancellationToken cancellationToken)
    {
        if (trajectory.Termination != Termination.Errored) return ValueTask.CompletedTask;
        if (_count++ < keep) _first.Add(trajectory);
        return ValueTask.CompletedTask;
    }

    public ValueTask CompleteAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
