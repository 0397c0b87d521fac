namespace Forge.Training.Rl;

/// <summary>How the baseline of a group of G rollouts of one task is formed.</summary>
public enum AdvantageEstimator
{
    /// <summary>GRPO (DeepSeekMath): Â_i = r_i − mean(r), optionally divided by std(r).</summary>
    Grpo,

    /// <summary>RLOO: Â_i = r_i − (Σ_j r_j − r_i) / (G − 1), the mean of the other rollouts; optionally divided by std(r).</summary>
    Rloo,
}

/// <summary>Outcome advantages, one per rollout, broadcast later to every policy token of that rollout.</summary>
public static class Advantages
{
    /// <summary>Added to the standard deviation before dividing (TRL uses 1e-4).</summary>
    public const double StdEpsilon = 1e-4;

    /// <summary>
    /// The advantages of one group's <paramref name="rewards"/>. With <paramref name="scaleByStd"/> they are divided by
    /// the group's Bessel-corrected standard deviation (original GRPO); without it they are not (Dr. GRPO).
    /// A group whose rewards are all equal has advantages of zero: it carries no learning signal.
    /// </summary>
    public static double[] ForGroup(IReadOnlyList<double> rewards, AdvantageEstimator estimator, bool scaleByStd)
    {
        ArgumentNullException.ThrowIfNull(rewards);
        var g = rewards.Count;
        if (g == 0) return [];
        var sum = rewards.Sum();
        var mean = sum / g;
        var advantages = new double[g];
        for (var i = 0; i < g; i++)
        {
            var baseline = estimator switch
            {
                AdvantageEstimator.Grpo => mean,
                AdvantageEstimator.Rloo => g > 1 ? (sum - rewards[i]) / (g - 1) : rewards[i],
                _ => throw new ArgumentOutOfRangeException(nameof(estimator)),
            };
            advantages[i] = rewards[i] - baseline;
        }
        if (scaleByStd && g > 1)
        {
            var std = Math.Sqrt(rewards.Sum(r => (r - mean) * (r - mean)) / (g - 1));
            for (var i = 0; i < g; i++) advantages[i] /= std + StdEpsilon;
        }
        return advantages;
    }

    /// <summary>True when every reward of the group is the same (then the group is skipped and counted).</summary>
    public static bool AllEqual(IReadOnlyList<double> rewards, double tolerance = 1e-9) =>
        rewards.Count == 0 || rewards.All(r => Math.Abs(r - rewards[0]) <= tolerance);
}
