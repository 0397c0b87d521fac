namespace Forge.Core;

/// <summary>What a reward function sees when an episode ends: the task, the whole conversation and the final answer.</summary>
public sealed record RewardContext(IEnvironmentTask Task, IReadOnlyList<Message> Conversation)
{
    /// <summary>Why the episode ended early, when it was truncated.</summary>
    public string? TruncationReason { get; init; }

    /// <summary>The content of the last assistant message that made no tool call: the agent's final answer, if it gave one.</summary>
    public string? FinalAnswer => Conversation.LastOrDefault(m => m.Role == Role.Assistant && m.ToolCalls.Count == 0)?.Content;

    /// <summary>
    /// Tokens the agent produced: exact where the policy recorded its token ids, otherwise estimated
    /// (one token per 4 characters, rounded up), which is what common BPE vocabularies average on English text.
    /// </summary>
    public int AssistantTokens => Conversation.Where(m => m.Role == Role.Assistant).Sum(EstimateTokens);

    internal static int EstimateTokens(Message m) =>
        m.TokenIds?.Count ?? (m.Content.Length + m.ToolCalls.Sum(c => c.Name.Length + c.ArgumentsJson.Length) + 3) / 4;
}
