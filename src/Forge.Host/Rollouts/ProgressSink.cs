using Forge.Core;

namespace Forge.Host;

/// <summary>
/// Live counters of a run, for progress bars and metrics: episodes finished, errored, truncated, cancelled, successful,
/// steps and reward so far. Written by the engine's consumer, read from any thread.
/// </summary>
public sealed class ProgressSink : ITrajectorySink
{
    private readonly Lock _gate = new();
    private RunProgress _progress = new(0, 0, 0, 0, 0, 0, 0);

    /// <summary>The counters now.</summary>
    public RunProgress Current
    {
        get { lock (_gate) return _progress; }
    }

    /// <summary>Raised after each trajectory, on the consumer's thread; keep handlers short.</summary>
    public event Action<RunProgress, Trajectory>? Progressed;

    /// <summary>True once the run has ended.</summary>
    public bool IsComplete { get; private set; }

    /// <inheritdoc />
    public ValueTask OnTrajectoryAsync(Trajectory trajectory, CancellationToken cancellationToken)
    {
        RunProgress now;
        lock (_gate)
        {
            var p = _progress;
            now = _progress = p with
            {
                Episodes = p.Episodes + 1,
                Errored = p.Errored + (trajectory.Termination == Termination.Errored ? 1 : 0),
                Truncated = p.Truncated + (trajectory.Termination == Termination.Truncated ? 1 : 0),
                Cancelled = p.Cancelled + (trajectory.Termination == Termination.Cancelled ? 1 : 0),
                Successes = p.Successes + (trajectory.Success ? 1 : 0),
                Steps = p.Steps + trajectory.Steps.Count,
                TotalReward = p.TotalReward + trajectory.TotalReward,
            };
        }
        Progressed?.Invoke(now, trajectory);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        IsComplete = true;
        return ValueTask.CompletedTask;
    }
}

/// <summary>A snapshot of a run's counters.</summary>
public sealed record RunProgress(int Episodes, int Errored, int Truncated, int Cancelled, int Successes, long Steps, double TotalReward)
{
    /// <summary>Mean total reward of the episodes so far.</summary>
    public double MeanReward => Episodes > 0 ? TotalReward / Episodes : 0;
}
