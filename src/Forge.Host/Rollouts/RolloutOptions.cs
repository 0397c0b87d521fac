using System.ComponentModel.DataAnnotations;
using Forge.Core.Configuration;

namespace Forge.Host;

/// <summary>How a <see cref="RolloutEngine"/> runs episodes.</summary>
public sealed class RolloutOptions
{
    /// <summary>The most episodes that may run at once (a scenario's <c>concurrency</c> has the same bound).</summary>
    public const int MaxConcurrency = 100_000;

    /// <summary>The most retries of a transient agent fault (a scenario's <c>agent_retries</c> has the same bound).</summary>
    public const int MaxAgentRetries = 100;

    /// <summary>Most episodes running at once. Default 8.</summary>
    [Range(1, MaxConcurrency)]
    public int Concurrency { get; set; } = 8;

    /// <summary>
    /// Most finished trajectories waiting for the sinks. When the sinks fall behind, workers wait (back-pressure)
    /// instead of piling trajectories up in memory. Default 64.
    /// </summary>
    [Range(1, 1_000_000)]
    public int TrajectoryBuffer { get; set; } = 64;

    /// <summary>How many times a transient agent fault (<see cref="HttpRequestException"/>, <see cref="TimeoutException"/>) is retried within a turn. Default 2.</summary>
    [Range(0, MaxAgentRetries)]
    public int AgentRetries { get; set; } = 2;

    /// <summary>The base delay between agent retries; it grows exponentially, with jitter. Default 200 ms.</summary>
    [Range(0, 3_600)]
    public TimeSpan AgentRetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Recorded in every trajectory as <c>RunId</c>. Default: a new GUID.</summary>
    public string RunId { get; set; } = Guid.NewGuid().ToString("n");

    /// <summary>Every problem with these options (<c>concurrency: must be between 1 and 100000 (got 0)</c>), empty when they are valid.</summary>
    public IReadOnlyList<string> Validate() => OptionsValidator.Validate(this).Select(p => p.ToString()).ToList();
}
