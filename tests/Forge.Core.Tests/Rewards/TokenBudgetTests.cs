using Forge.Core;
using Forge.Core.Rewards;

namespace Forge.Core.Tests.Rewards;

public sealed class TokenBudgetTests
{
    private sealed record T(string Id) : IEnvironmentTask;

    private static RewardContext Said(params Message[] assistant) => new(new T("t"), [Message.User("q"), .. assistant]);

    [Fact]
    public async Task Score_ReasoningTarget_CountsOnlyTheThinkBlockEstimated()
    {
        // 40 characters of reasoning → (40 + 3) / 4 = 10 tokens; the 400-character answer is not counted.
        var text = $"<think>\n{new string('r', 40)}\n</think>\n\n{new string('a', 400)}";
        var budget = new TokenBudget(maxTokens: 8, target: TokenBudgetTarget.Reasoning);

        Assert.Equal(10, Said(Message.Assistant(text)).ReasoningTokens);
        Assert.Equal(1 - (10 - 8) / 8.0, await budget.Score(Said(Message.Assistant(text))), 12);   // 0.75
        Assert.Equal(0, await new TokenBudget(maxTokens: 8).Score(Said(Message.Assistant(text))));   // the whole completion: 114 tokens
    }

    [Fact]
    public async Task Score_ReasoningTarget_UsesThePolicysCountWhenRecorded()
    {
        var message = new Message
        {
            Role = Role.Assistant, Content = "<think>\nshort\n</think>\n\nanswer",
            TokenIds = Enumerable.Range(0, 30).ToList(), ReasoningTokens = 12,
        };
        var budget = new TokenBudget(maxTokens: 8, target: TokenBudgetTarget.Reasoning);

        Assert.Equal(12, Said(message).ReasoningTokens);
        Assert.Equal(0.5, await budget.Score(Said(message)), 12);   // 1 − (12 − 8) / 8
    }

    [Fact]
    public async Task Score_ReasoningTarget_SumsOverTurnsAndNoBlockIsFree()
    {
        var first = Message.Assistant("<think>" + new string('r', 16) + "</think>call", new ToolCall("1", "f", "{}"));   // (16 + 3) / 4 = 4
        var second = Message.Assistant("opened by the template " + new string('r', 9) + "</think>42");                // 32 chars → (32 + 3) / 4 = 8
        var budget = new TokenBudget(maxTokens: 6, target: TokenBudgetTarget.Reasoning);

        Assert.Equal(12, Said(first, second).ReasoningTokens);
        Assert.Equal(0, await budget.Score(Said(first, second)));   // 12 = twice the budget
        Assert.Equal(0, Said(Message.Assistant(new string('a', 400))).ReasoningTokens);
        Assert.Equal(1, await budget.Score(Said(Message.Assistant(new string('a', 400)))));
    }
}
