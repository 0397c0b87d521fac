using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Forge.Core;

/// <summary>
/// Everything an episode may depend on besides its task: the seed and a <see cref="Random"/> made from it, the clock,
/// cancellation, limits, a logger and, when the environment asks for one, a sandbox.
/// Environments never read the wall clock or a global random generator: same seed and task ⇒ same episode.
/// </summary>
public sealed class EpisodeContext
{
    /// <summary>A unique id of this episode.</summary>
    public required string EpisodeId { get; init; }

    /// <summary>The seed the episode was started with.</summary>
    public required int Seed { get; init; }

    private Random? _random;

    /// <summary>A random generator seeded with <see cref="Seed"/>, for the environment's own use (made on first use).</summary>
    public Random Random
    {
        get
        {
            if (_random is { } random) return random;
            Interlocked.CompareExchange(ref _random, new Random(Seed), null);
            return _random;
        }
    }

    /// <summary>The clock (fake in tests).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Cancelled when the episode must stop (deadline, Ctrl+C).</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>Limits of the episode.</summary>
    public EpisodeLimits Limits { get; init; } = EpisodeLimits.Default;

    /// <summary>Where the environment logs.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>How the rubric turns scores into the reward (graded sum, or binary success).</summary>
    public RewardMode RewardMode { get; init; } = RewardMode.Graded;

    /// <summary>The episode's sandbox, for environments that declare they need one; null otherwise.</summary>
    public ISandbox? Sandbox { get; init; }

    /// <summary>The judge model LLM-judged rewards ask (a scenario's <c>"judge"</c> section), shared by the run's episodes; null when none is configured.</summary>
    public Rewards.JudgeEndpoint? Judge { get; init; }

    /// <summary>Creates a context; <see cref="Random"/> is seeded from <paramref name="seed"/>.</summary>
    [System.Diagnostics.CodeAnalysis.SetsRequiredMembers]
    public EpisodeContext(string episodeId, int seed)
    {
        EpisodeId = episodeId;
        Seed = seed;
    }
}
