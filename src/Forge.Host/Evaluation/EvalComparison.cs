using Forge.Core;

namespace Forge.Host.Evaluation;

/// <summary>
/// How run B differs from run A on one environment: each figure's change (B − A) and, over the episodes both ran on the
/// same task with the same seed, how many only one of them solved.
/// </summary>
public sealed record EnvironmentDifference
{
    /// <summary>The environment's id, or <c>all</c>.</summary>
    public required string Environment { get; init; }

    /// <summary>A's score on it (null when A did not run it).</summary>
    public EnvironmentScore? A { get; init; }

    /// <summary>B's score on it (null when B did not run it).</summary>
    public EnvironmentScore? B { get; init; }

    /// <summary>B's success rate minus A's.</summary>
    public double SuccessRate => (B?.SuccessRate ?? 0) - (A?.SuccessRate ?? 0);

    /// <summary>B's mean reward minus A's.</summary>
    public double RewardMean => (B?.RewardMean ?? 0) - (A?.RewardMean ?? 0);

    /// <summary>B's pass@k minus A's, for the k both report.</summary>
    public IReadOnlyDictionary<int, double> PassAtK { get; init; } = new Dictionary<int, double>();

    /// <summary>B's completion tokens minus A's.</summary>
    public long CompletionTokens => (B?.CompletionTokens ?? 0) - (A?.CompletionTokens ?? 0);

    /// <summary>Episodes both runs have (same environment, task and seed).</summary>
    public int Paired { get; init; }

    /// <summary>Paired episodes A solved and B did not.</summary>
    public int OnlyASolved { get; init; }

    /// <summary>Paired episodes B solved and A did not.</summary>
    public int OnlyBSolved { get; init; }
}

/// <summary>Compares two scored runs environment by environment (<c>forge eval --compare</c>).</summary>
public static class EvalComparison
{
    /// <summary>One difference per environment either run has, then one for <c>all</c>.</summary>
    public static IReadOnlyList<EnvironmentDifference> Compare(EvalReport a, IEnumerable<Trajectory> aEpisodes, EvalReport b, IEnumerable<Trajectory> bEpisodes)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var aSolved = Outcomes(aEpisodes);
        var bSolved = Outcomes(bEpisodes);
        var environments = a.Environments.Select(e => e.Environment).Union(b.Environments.Select(e => e.Environment)).Order(StringComparer.Ordinal).ToList();
        var result = environments.Select(env => Difference(env, a.Environments.FirstOrDefault(e => e.Environment == env), b.Environments.FirstOrDefault(e => e.Environment == env),
            aSolved, bSolved, key => key.Environment == env)).ToList();
        result.Add(Difference("all", a.All, b.All, aSolved, bSolved, _ => true));
        return result;
    }

    private static EnvironmentDifference Difference(string environment, EnvironmentScore? a, EnvironmentScore? b,
        Dictionary<EpisodeKey, bool> aSolved, Dictionary<EpisodeKey, bool> bSolved, Func<EpisodeKey, bool> inScope)
    {
        var paired = aSolved.Keys.Where(k => inScope(k) && bSolved.ContainsKey(k)).ToList();
        return new EnvironmentDifference
        {
            Environment = environment, A = a, B = b,
            PassAtK = a is null || b is null ? new Dictionary<int, double>()
                : a.PassAtK.Keys.Intersect(b.PassAtK.Keys).Order().ToDictionary(k => k, k => b.PassAtK[k] - a.PassAtK[k]),
            Paired = paired.Count,
            OnlyASolved = paired.Count(k => aSolved[k] && !bSolved[k]),
            OnlyBSolved = paired.Count(k => !aSolved[k] && bSolved[k]),
        };
    }

    private readonly record struct EpisodeKey(string Environment, string Task, int Seed);

    // The first trajectory of each (environment, task, seed): the later sequences of an unstitched agent program share its outcome.
    private static Dictionary<EpisodeKey, bool> Outcomes(IEnumerable<Trajectory> episodes)
    {
        var outcomes = new Dictionary<EpisodeKey, bool>();
        foreach (var t in episodes) outcomes.TryAdd(new EpisodeKey(t.EnvironmentId, t.TaskId, t.Seed), t.Success);
        return outcomes;
    }
}
