using System.Text.RegularExpressions;

namespace Forge.Core.Rewards;

/// <summary>A rule validator: 1 when the final answer matches (or, with <c>mustMatch: false</c>, does not match) a pattern.</summary>
public sealed class RegexMatch(string pattern, double weight = 1.0, bool mustMatch = true, string name = "regex") : RewardFunction(name, weight)
{
    private readonly Regex _regex = new(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    /// <inheritdoc />
    public override ValueTask<double> Score(RewardContext context)
    {
        bool matched;
        try { matched = _regex.IsMatch(context.FinalAnswer ?? ""); }
        catch (RegexMatchTimeoutException) { matched = false; }
        return ValueTask.FromResult(matched == mustMatch ? 1.0 : 0.0);
    }
}
