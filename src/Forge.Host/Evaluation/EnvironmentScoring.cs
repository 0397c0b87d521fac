using Forge.Core;

namespace Forge.Host.Evaluation;

/// <summary>Turns one environment's episodes into an <see cref="EnvironmentScore"/>.</summary>
internal static class EnvironmentScoring
{
    /// <summary>z for a two-sided 95 % normal interval.</summary>
    private const double Z95 = 1.959963984540054;

    public static EnvironmentScore Score(string environment, IReadOnlyList<Trajectory> episodes)
    {
        var n = episodes.Count;
        var rewards = episodes.Select(t => t.TotalReward).ToList();
        var mean = n == 0 ? 0 : rewards.Average();
        var variance = n < 2 ? 0 : rewards.Sum(r => (r - mean) * (r - mean)) / (n - 1);   // sample variance
        var scored = episodes.Where(t => t.Breakdown is not null).ToList();
        var reported = episodes.Where(t => t.PromptTokens is not null).ToList();
        return new EnvironmentScore
        {
            Environment = environment,
            Episodes = n,
            Tasks = episodes.Select(TaskKey).Distinct().Count(),
            SuccessRate = n == 0 ? 0 : episodes.Count(t => t.Success) / (double)n,
            PassAtK = PassAtKByTask(episodes),
            RewardMean = mean,
            RewardInterval95 = n < 2 ? 0 : Z95 * Math.Sqrt(variance / n),
            RewardComponents = scored.SelectMany(t => t.Breakdown!.Scores).GroupBy(s => s.Key, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Average(s => s.Value), StringComparer.Ordinal),
            Terminations = episodes.GroupBy(t => t.Termination).OrderBy(g => g.Key)
                .ToDictionary(g => g.Key.ToString().ToLowerInvariant(), g => g.Count(), StringComparer.Ordinal),
            Errors = episodes.Where(t => t.Error is not null).GroupBy(t => $"{t.Error!.Boundary.ToString().ToLowerInvariant()}/{t.Error.Type}", StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            CompletionTokens = episodes.Sum(t => (long)t.AssistantTokens),
            PromptTokens = reported.Count == 0 ? null : reported.Sum(t => (long)t.PromptTokens!.Value),
            TokenCount = TokenCountOf(episodes),
            EpisodeSeconds = episodes.Sum(t => t.DurationMs) / 1000,
        };
    }

    // Each task's attempts are its episodes (the scenario's episodes_per_task); k runs up to the fewest attempts any task had.
    private static Dictionary<int, double> PassAtKByTask(IReadOnlyList<Trajectory> episodes)
    {
        var tasks = episodes.GroupBy(TaskKey).Select(g => (n: g.Count(), c: g.Count(t => t.Success))).ToList();
        if (tasks.Count == 0) return [];
        var maxK = tasks.Min(t => t.n);
        return Enumerable.Range(1, maxK).ToDictionary(k => k, k => tasks.Average(t => Evaluation.PassAtK.Estimate(t.n, t.c, k)));
    }

    private static (string, string) TaskKey(Trajectory t) => (t.EnvironmentId, t.TaskId);

    private static string TokenCountOf(IReadOnlyList<Trajectory> episodes)
    {
        var sources = episodes.Select(t => t.TokenCount ?? TokenCountSource.Estimate).Distinct().ToList();
        var source = sources.Count switch { 0 => TokenCountSource.Estimate, 1 => sources[0], _ => TokenCountSource.Mixed };
        return source.ToString().ToLowerInvariant();
    }
}
