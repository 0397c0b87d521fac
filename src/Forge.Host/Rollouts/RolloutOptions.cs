using System.ComponentModel.DataAnnotations;

namespace Forge.Host;

/// <summary>How a <see cref="RolloutEngine"/> runs episodes.</summary>
public sealed class RolloutOptions
{
    /// <summary>Most episodes running at once. Default 8.</summary>
    [Range(1, 100_000)]
    public int Concurrency { get; set; } = 8;

    /// <summary>
    /// Most finished trajectories waiting for the sinks. When the sinks fall behind, workers wait (back-pressure)
    /// instead of piling trajectories up in memory. Default 64.
    /// </summary>
    [Range(1, 1_000_000)]
    public int TrajectoryBuffer { get; set; } = 64;

    /// <summary>How many times a transient agent fault (<see cref="HttpRequestException"/>, <see cref="TimeoutException"/>) is retried within a turn. Default 2.</summary>
    [Range(0, 100)]
    public int AgentRetries { get; set; } = 2;

    /// <summary>The base delay between agent retries; it grows exponentially, with jitter. Default 200 ms.</summary>
    public TimeSpan AgentRetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Recorded in every trajectory as <c>RunId</c>. Default: a new GUID.</summary>
    public string RunId { get; set; } = Guid.NewGuid().ToString("n");

    /// <summary>Every problem with these options, empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Concurrency is < 1 or > 100_000) errors.Add($"concurrency must be between 1 and 100000 (got {Concurrency})");
        if (TrajectoryBuffer is < 1 or > 1_000_000) errors.Add($"trajectory buffer must be between 1 and 1000000 (got {TrajectoryBuffer})");
        if (AgentRetries is < 0 or > 100) errors.Add($"agent_retries must be between 0 and 100 (got {AgentRetries})");
        if (AgentRetryDelay < TimeSpan.Zero) errors.Add($"the agent retry delay must not be negative (got {AgentRetryDelay})");
        return errors;
    }
}
