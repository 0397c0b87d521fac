using System.ComponentModel.DataAnnotations;

namespace Forge.Core.Rewards;

/// <summary>How an <see cref="LlmJudge{TTask}"/> asks its model and reads the verdict.</summary>
public sealed class LlmJudgeOptions
{
    /// <summary>The judge model's id: sent with each request and part of the cache key. Required.</summary>
    [Required]
    public string? Model { get; set; }

    /// <summary>The top of the score scale: 1 asks for PASS or FAIL, N asks for a score from 0 to N. Default 1.</summary>
    [Range(1, 100)]
    public int ScaleMax { get; set; } = 1;

    /// <summary>Judge requests in flight at once, across every episode this judge scores. Default 4.</summary>
    [Range(1, 256)]
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>Retries of a failed judge request (HTTP errors, timeouts), with exponential back-off. Default 2.</summary>
    [Range(0, 10)]
    public int Retries { get; set; } = 2;

    /// <summary>The first retry's delay; later ones double it. Default 0.5 s.</summary>
    [Range(0, 60)]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(0.5);
}
