namespace Forge.Core.Rewards;

/// <summary>Which of the agent's tokens a <see cref="TokenBudget"/> counts.</summary>
public enum TokenBudgetTarget
{
    /// <summary>Everything the agent produced (<see cref="RewardContext.AssistantTokens"/>).</summary>
    Completion,

    /// <summary>Only the reasoning inside <c>&lt;think&gt;…&lt;/think&gt;</c> (<see cref="RewardContext.ReasoningTokens"/>): the answer is free.</summary>
    Reasoning,
}

/// <summary>
/// Rewards concise output: 1 while the counted tokens stay within <c>maxTokens</c>, falling linearly to 0 at twice that.
/// With <see cref="TokenBudgetTarget.Reasoning"/> only the reasoning segment is counted, so a model that thinks before
/// answering is pushed to think briefly without being pushed to cut its answer short.
/// </summary>
public sealed class TokenBudget(int maxTokens, double weight = 0.1, string name = "token_budget", TokenBudgetTarget target = TokenBudgetTarget.Completion)
    : RewardFunction(name, weight)
{
    /// <summary>What the budget counts.</summary>
    public TokenBudgetTarget Target { get; } = target;

    /// <inheritdoc />
    public override ValueTask<double> Score(RewardContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (maxTokens <= 0) throw new RewardException($"Reward function '{Name}' needs a positive token budget (got {maxTokens}).");
        var used = Target == TokenBudgetTarget.Reasoning ? context.ReasoningTokens : context.AssistantTokens;
        var score = used <= maxTokens ? 1.0 : Math.Max(0.0, 1.0 - (used - maxTokens) / (double)maxTokens);
        return ValueTask.FromResult(score);
    }
}
