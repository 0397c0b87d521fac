namespace Forge.Core.Rewards;

/// <summary>
/// Format checks over the whole episode: the fraction of the agent's messages that were well formed
/// (parsed cleanly, and every tool call named an offered tool with valid JSON arguments).
/// </summary>
public sealed class FormatCheck(double weight = 0.1, string name = "format") : RewardFunction(name, weight)
{
    /// <inheritdoc />
    public override ValueTask<double> Score(RewardContext context)
    {
        var assistant = context.Conversation.Where(m => m.Role == Role.Assistant).ToList();
        if (assistant.Count == 0) return ValueTask.FromResult(0.0);
        var failedCalls = context.Conversation.Where(m => m.Role == Role.Tool && m.IsError && m.Content.StartsWith(ToolErrors.FormatPrefix, StringComparison.Ordinal))
            .Select(m => m.ToolCallId).ToHashSet();
        var good = assistant.Count(m => !m.Malformed && m.ToolCalls.All(c => !failedCalls.Contains(c.Id)));
        return ValueTask.FromResult(good / (double)assistant.Count);
    }
}
