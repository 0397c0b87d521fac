namespace Forge.Core.Rewards;

/// <summary>1 when the final answer equals the expected text (trimmed; case-insensitive unless told otherwise), else 0.</summary>
public sealed class ExactMatch<TTask>(Func<RewardContext<TTask>, string> expected, double weight = 1.0, bool caseSensitive = false, string name = "exact_match")
    : RewardFunction<TTask>(name, weight) where TTask : IEnvironmentTask
{
    /// <inheritdoc />
    public override ValueTask<double> Score(RewardContext<TTask> context)
    {
        var answer = context.FinalAnswer?.Trim();
        var comparison = caseSensitive ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        return ValueTask.FromResult(answer is not null && string.Equals(answer, expected(context).Trim(), comparison) ? 1.0 : 0.0);
    }
}
