using Forge.Core;
using Forge.Training.Rl;

namespace Forge.Training.Pipeline;

/// <summary>One row of <c>metrics.csv</c>: a warm-start epoch, an evaluation, or a policy update, with what the rollouts scored.</summary>
public sealed record UpdateMetrics
{
    /// <summary><c>eval</c>, <c>warm_start</c> or <c>rl</c>.</summary>
    public required string Phase { get; init; }

    /// <summary>Update number (RL), epoch (warm start) or the policy version evaluated.</summary>
    public int Step { get; init; }

    /// <summary>Seconds since the run started.</summary>
    public double WallSeconds { get; init; }

    /// <summary>The policy version after this row.</summary>
    public int PolicyVersion { get; init; }

    /// <summary>Curriculum stage (0-based).</summary>
    public int Stage { get; init; }

    /// <summary>Episodes the row's statistics come from.</summary>
    public int Episodes { get; init; }

    /// <summary>Episodes among them that errored (a fault in the agent, the environment or the sandbox): not scored, not trained on.</summary>
    public int ErroredEpisodes { get; init; }

    /// <summary>What the first errored episode reported (<c>boundary/Type: message</c>), or null when none errored.</summary>
    public string? FirstError { get; init; }

    /// <summary>Mean total reward.</summary>
    public double RewardMean { get; init; }

    /// <summary>Standard deviation of the total reward.</summary>
    public double RewardStd { get; init; }

    /// <summary>Share of episodes solved (the rubric's primary function at full marks), not shaped reward.</summary>
    public double SuccessRate { get; init; }

    /// <summary>Per environment: mean reward, reward std and success rate.</summary>
    public IReadOnlyDictionary<string, (double Mean, double Std, double Success)> PerEnvironment { get; init; } = new Dictionary<string, (double, double, double)>();

    /// <summary>The trainer's statistics (null for rows without an update).</summary>
    public UpdateStats? Update { get; init; }

    /// <summary>Warm-start loss (cross-entropy per token).</summary>
    public double? SupervisedLoss { get; init; }

    /// <summary>Groups whose rewards were all equal: no learning signal, skipped.</summary>
    public int SkippedGroups { get; init; }

    /// <summary>Groups whose rewards were all equal, dropped and replaced by new groups (dynamic sampling).</summary>
    public int Refills { get; init; }

    /// <summary>Per environment: the reward mode its training episodes are scored in after this row (empty without a reward schedule); the row where it changes is the switch.</summary>
    public IReadOnlyDictionary<string, RewardMode> RewardModes { get; init; } = new Dictionary<string, RewardMode>();

    /// <summary>Groups dropped for being more than <c>max_staleness</c> versions old.</summary>
    public int StaleGroups { get; init; }

    /// <summary>Mean staleness (trainer version − version that generated) of the groups trained on.</summary>
    public double Staleness { get; init; }

    /// <summary>Tokens the policy generated per second of wall time since the previous row.</summary>
    public double GeneratedTokensPerSecond { get; init; }

    /// <summary>Tokens forwarded by the trainer per second of update time.</summary>
    public double TrainTokensPerSecond => Update is { Seconds: > 0 } u ? u.ForwardTokens / u.Seconds : 0;

    /// <summary>How many of <paramref name="episodes"/> errored, and what the first one reported.</summary>
    public static (int Count, string? First) Errors(IReadOnlyCollection<Trajectory> episodes)
    {
        ArgumentNullException.ThrowIfNull(episodes);
        var errored = episodes.Where(t => t.Termination == Termination.Errored).ToList();
        var first = errored.Select(t => t.Error).FirstOrDefault(e => e is not null);
        return (errored.Count, first is null ? null : $"{first.Boundary.ToString().ToLowerInvariant()}/{first.Type}: {first.Message}");
    }

    /// <summary>Reward and success statistics of <paramref name="episodes"/>.</summary>
    public static (double Mean, double Std, double Success, IReadOnlyDictionary<string, (double, double, double)> PerEnvironment) Score(IReadOnlyCollection<Trajectory> episodes)
    {
        static (double, double, double) Of(IReadOnlyCollection<Trajectory> ts)
        {
            if (ts.Count == 0) return (0, 0, 0);
            var mean = ts.Average(t => t.TotalReward);
            var std = Math.Sqrt(ts.Average(t => (t.TotalReward - mean) * (t.TotalReward - mean)));
            return (mean, std, ts.Count(t => t.Success) / (double)ts.Count);
        }
        var (m, s, success) = Of(episodes);
        var per = episodes.GroupBy(t => t.EnvironmentId).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => Of(g.ToList()), StringComparer.Ordinal);
        return (m, s, success, per);
    }
}
