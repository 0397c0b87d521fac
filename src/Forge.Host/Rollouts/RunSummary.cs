using Forge.Core;

namespace Forge.Host;

/// <summary>What a run did: episodes and steps, rewards and success per environment, how episodes ended, where they failed, and how fast it went.</summary>
public sealed record RunSummary
{
    /// <summary>The run's id, as recorded in its trajectories.</summary>
    public required string RunId { get; init; }

    /// <summary>Episodes delivered to the sinks (every way of ending counts).</summary>
    public int Episodes { get; init; }

    /// <summary>Agent turns answered by environments.</summary>
    public int Steps { get; init; }

    /// <summary>Wall-clock time of the run, in seconds.</summary>
    public double WallSeconds { get; init; }

    /// <summary>Episodes per second of wall time.</summary>
    public double EpisodesPerSecond => WallSeconds > 0 ? Episodes / WallSeconds : 0;

    /// <summary>Steps per second of wall time.</summary>
    public double StepsPerSecond => WallSeconds > 0 ? Steps / WallSeconds : 0;

    /// <summary>Per environment, ordered by id.</summary>
    public IReadOnlyList<EnvironmentSummary> Environments { get; init; } = [];

    /// <summary>Episodes by the way they ended.</summary>
    public IReadOnlyDictionary<Termination, int> Terminations { get; init; } = new Dictionary<Termination, int>();

    /// <summary>Errored episodes by the boundary where they failed.</summary>
    public IReadOnlyDictionary<ErrorBoundary, int> Errors { get; init; } = new Dictionary<ErrorBoundary, int>();

    /// <summary>True when the run was cancelled before every request ran.</summary>
    public bool Cancelled { get; init; }

    /// <summary>Failures of sinks (a sink that throws stops receiving trajectories; the others go on).</summary>
    public IReadOnlyList<string> SinkErrors { get; init; } = [];
}

/// <summary>Rewards and outcomes of one environment's episodes in a run. Errored and cancelled episodes count with reward 0.</summary>
/// <param name="Id">The environment's id.</param>
/// <param name="Episodes">Its episodes.</param>
/// <param name="MeanReward">Mean total reward.</param>
/// <param name="StdReward">Population standard deviation of the total reward.</param>
/// <param name="SuccessRate">Share of episodes whose rubric's primary function gave full marks.</param>
/// <param name="Errors">Errored episodes.</param>
/// <param name="MeanSteps">Mean steps per episode.</param>
public sealed record EnvironmentSummary(string Id, int Episodes, double MeanReward, double StdReward, double SuccessRate, int Errors, double MeanSteps);

/// <summary>Accumulates a <see cref="RunSummary"/> from finished trajectories (single consumer).</summary>
internal sealed class RunSummaryBuilder(string runId, TimeProvider time)
{
    private readonly long _started = time.GetTimestamp();
    private readonly Dictionary<string, EnvironmentStats> _environments = new(StringComparer.Ordinal);
    private readonly Dictionary<Termination, int> _terminations = [];
    private readonly Dictionary<ErrorBoundary, int> _errors = [];
    private readonly List<string> _sinkErrors = [];
    private int _episodes, _steps;

    public void Add(Trajectory trajectory)
    {
        _episodes++;
        _steps += trajectory.Steps.Count;
        _terminations[trajectory.Termination] = _terminations.GetValueOrDefault(trajectory.Termination) + 1;
        if (trajectory.Error is { } error) _errors[error.Boundary] = _errors.GetValueOrDefault(error.Boundary) + 1;
        if (!_environments.TryGetValue(trajectory.EnvironmentId, out var stats))
            _environments[trajectory.EnvironmentId] = stats = new EnvironmentStats();
        stats.Add(trajectory);
    }

    public void AddSinkError(string message) => _sinkErrors.Add(message);

    public RunSummary Build(bool cancelled) => new()
    {
        RunId = runId,
        Episodes = _episodes,
        Steps = _steps,
        WallSeconds = time.GetElapsedTime(_started).TotalSeconds,
        Environments = [.. _environments.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Value.Summarize(e.Key))],
        Terminations = new Dictionary<Termination, int>(_terminations),
        Errors = new Dictionary<ErrorBoundary, int>(_errors),
        Cancelled = cancelled,
        SinkErrors = [.. _sinkErrors],
    };

    /// <summary>Welford's running mean and variance of the reward, plus counts.</summary>
    private sealed class EnvironmentStats
    {
        private int _count, _successes, _errors;
        private long _steps;
        private double _mean, _m2;

        public void Add(Trajectory t)
        {
            _count++;
            var delta = t.TotalReward - _mean;
            _mean += delta / _count;
            _m2 += delta * (t.TotalReward - _mean);
            if (t.Success) _successes++;
            if (t.Termination == Termination.Errored) _errors++;
            _steps += t.Steps.Count;
        }

        public EnvironmentSummary Summarize(string id) =>
            new(id, _count, _mean, _count > 0 ? Math.Sqrt(_m2 / _count) : 0, _count > 0 ? (double)_successes / _count : 0, _errors, _count > 0 ? (double)_steps / _count : 0);
    }
}
