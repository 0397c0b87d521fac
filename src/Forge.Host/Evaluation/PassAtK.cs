namespace Forge.Host.Evaluation;

/// <summary>
/// pass@k, the chance that at least one of k episodes drawn without replacement from n attempts at a task succeeds, given
/// that c of the n did: the unbiased estimator 1 − C(n−c, k) / C(n, k). The ratio of binomials is computed as the product
/// ∏_{i=n−c+1}^{n} (1 − k / i), which never forms a large binomial coefficient.
/// </summary>
public static class PassAtK
{
    /// <summary>pass@k for one task with <paramref name="n"/> attempts, <paramref name="c"/> of them successful.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Unless 0 ≤ c ≤ n and 1 ≤ k ≤ n.</exception>
    public static double Estimate(int n, int c, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(c);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(c, n);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, n);
        if (n - c < k) return 1.0;   // every draw of k holds a success
        var allFail = 1.0;           // C(n−c, k) / C(n, k)
        for (var i = n - c + 1; i <= n; i++) allFail *= 1.0 - (double)k / i;
        return 1.0 - allFail;
    }
}
