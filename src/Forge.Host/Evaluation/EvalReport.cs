using Forge.Core;

namespace Forge.Host.Evaluation;

/// <summary>
/// What <c>forge eval</c> reports: one <see cref="EnvironmentScore"/> per environment and one for all of them, computed from
/// the episodes' trajectories alone, so a live run and a recorded log are scored the same way.
/// </summary>
/// <param name="Agent">The agent's id, as its trajectories name it (several, comma-separated, when they differ).</param>
/// <param name="Environments">Per environment, in id order.</param>
/// <param name="All">Every episode together.</param>
/// <param name="WallSeconds">Wall time of the run (the episodes' span when scored from a log).</param>
public sealed record EvalReport(string Agent, IReadOnlyList<EnvironmentScore> Environments, EnvironmentScore All, double WallSeconds)
{
    /// <summary>Scores <paramref name="trajectories"/>; <paramref name="wallSeconds"/> null takes the span from the first start to the last end.</summary>
    public static EvalReport Score(IEnumerable<Trajectory> trajectories, double? wallSeconds = null)
    {
        ArgumentNullException.ThrowIfNull(trajectories);
        var episodes = trajectories.Where(IsEpisode).ToList();
        var perEnvironment = episodes.GroupBy(t => t.EnvironmentId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => EnvironmentScoring.Score(g.Key, g.ToList())).ToList();
        var span = episodes.Count == 0 ? 0
            : (episodes.Max(t => t.StartedAt.AddMilliseconds(t.DurationMs)) - episodes.Min(t => t.StartedAt)).TotalSeconds;
        var agents = string.Join(",", episodes.Select(t => t.AgentId).Distinct().Order(StringComparer.Ordinal));
        return new EvalReport(agents, perEnvironment, EnvironmentScoring.Score("all", episodes), wallSeconds ?? span);
    }

    // An agent program whose calls could not be stitched records one trajectory per sequence (…#1, #2 share the episode's
    // reward); the episode counts once, by its first sequence.
    private static bool IsEpisode(Trajectory t) =>
        !t.Steps.Any(s => s.Info.TryGetValue("agent_program.sequence", out var sequence) && !sequence.StartsWith("1/", StringComparison.Ordinal));
}
