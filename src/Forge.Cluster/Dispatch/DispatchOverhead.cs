namespace Forge.Cluster.Dispatch;

/// <summary>
/// What dispatching adds to each episode: the time from the driver's call to its answer, less the episode's own duration
/// on the worker (its trajectory's <c>DurationMs</c>): serialization both ways, the network, and the hops between the
/// driver's dispatch loop, the worker grain and the worker's episode driver. Only successful attempts count.
/// </summary>
public sealed class DispatchOverhead
{
    private const int MaxSamples = 100_000;
    private readonly Lock _lock = new();
    private readonly List<double> _samples = [];
    private long _count;
    private double _sumMs;

    /// <summary>Counts one episode: <paramref name="callMs"/> as the driver saw it, <paramref name="episodeMs"/> as the worker ran it.</summary>
    internal void Add(double callMs, double episodeMs)
    {
        var overhead = Math.Max(0, callMs - episodeMs);
        lock (_lock)
        {
            _count++;
            _sumMs += overhead;
            if (_samples.Count < MaxSamples) _samples.Add(overhead);
        }
    }

    /// <summary>Episodes counted.</summary>
    public long Count { get { lock (_lock) return _count; } }

    /// <summary>Mean overhead per episode in milliseconds (0 before the first).</summary>
    public double MeanMs { get { lock (_lock) return _count == 0 ? 0 : _sumMs / _count; } }

    /// <summary>The <paramref name="percentile"/> (0–100) of the overhead in milliseconds, over the first 100,000 episodes.</summary>
    public double PercentileMs(double percentile)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(percentile, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percentile, 100);
        double[] sorted;
        lock (_lock) sorted = [.. _samples];
        if (sorted.Length == 0) return 0;
        Array.Sort(sorted);
        return sorted[(int)Math.Min(sorted.Length - 1, Math.Round(percentile / 100 * (sorted.Length - 1)))];
    }
}
