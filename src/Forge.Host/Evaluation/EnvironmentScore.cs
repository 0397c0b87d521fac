namespace Forge.Host.Evaluation;

/// <summary>How an agent did on one environment (or on all of them, under the id <c>all</c>).</summary>
public sealed record EnvironmentScore
{
    /// <summary>The environment's id, or <c>all</c>.</summary>
    public required string Environment { get; init; }

    /// <summary>Episodes scored.</summary>
    public int Episodes { get; init; }

    /// <summary>Distinct tasks.</summary>
    public int Tasks { get; init; }

    /// <summary>Episodes whose rubric's primary function gave full marks, over all episodes.</summary>
    public double SuccessRate { get; init; }

    /// <summary>pass@k for k = 1 … the fewest attempts any task had, averaged over tasks (key: k).</summary>
    public IReadOnlyDictionary<int, double> PassAtK { get; init; } = new Dictionary<int, double>();

    /// <summary>Mean of the episodes' total rewards.</summary>
    public double RewardMean { get; init; }

    /// <summary>Half-width of the 95 % interval of <see cref="RewardMean"/> (1.96 standard errors; 0 for one episode).</summary>
    public double RewardInterval95 { get; init; }

    /// <summary>Mean raw score of each rubric function over the scored episodes that have it (key: the function's name).</summary>
    public IReadOnlyDictionary<string, double> RewardComponents { get; init; } = new Dictionary<string, double>();

    /// <summary>Episodes by how they ended (<c>terminated</c>, <c>truncated</c>, <c>cancelled</c>, <c>errored</c>).</summary>
    public IReadOnlyDictionary<string, int> Terminations { get; init; } = new Dictionary<string, int>();

    /// <summary>Errored episodes by error type (<c>agent/empty_reply</c>, …).</summary>
    public IReadOnlyDictionary<string, int> Errors { get; init; } = new Dictionary<string, int>();

    /// <summary>Tokens the agent produced, summed over the episodes.</summary>
    public long CompletionTokens { get; init; }

    /// <summary>Prompt tokens the endpoint reported, summed; null when no episode had a report.</summary>
    public long? PromptTokens { get; init; }

    /// <summary>Where the token counts came from: <c>policy</c>, <c>endpoint</c>, <c>estimate</c> or <c>mixed</c>.</summary>
    public string TokenCount { get; init; } = "estimate";

    /// <summary>The episodes' durations summed, in seconds (episodes overlap when run concurrently).</summary>
    public double EpisodeSeconds { get; init; }
}
