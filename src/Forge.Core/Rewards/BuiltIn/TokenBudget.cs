namespace Forge.Core.Rewards;

/// <summary>
/// Rewards concise reasoning: 1 while the agent's tokens stay within <c>maxTokens</c>, falling linearly to 0 at twice that.
/// </summary>
public sealed class TokenBudget(int maxTokens, double weight = 0.1, string name = "token_budget") : RewardFunction(name, weight)
{
    /// <inheritdoc />
    public override ValueTask<double> Score(RewardContext context)
    {
        if (maxTokens <= 0) throw new RewardException($"Reward function '{Name}' needs a positive token budget (got {maxTokens}).");
        var used = context.AssistantTokens;
        var score = used <= maxTokens ? 1.0 : Math.Max(0.0, 1.0 - (used - maxTokens) / (double)maxTokens);
        return ValueTask.FromResult(score);
    }
}
