namespace Forge.Core;

/// <summary>
/// What a reward function sees when an episode ends: the task, the whole conversation and the final answer.
/// Environments score with a <see cref="RewardContext{TTask}"/>, whose <c>Task</c> is typed.
/// </summary>
public record RewardContext(IEnvironmentTask Task, IReadOnlyList<Message> Conversation)
{
    /// <summary>Why the episode ended early, when it was truncated.</summary>
    public string? TruncationReason { get; init; }

    /// <summary>
    /// What reward functions want recorded beside their score, by function name (an LLM judge's raw reply, or its error);
    /// the rubric copies them into <see cref="RewardBreakdown.Notes"/>, which the trajectory keeps.
    /// </summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, string> Notes { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The verdicts LLM judges gave, by function name; the rubric copies them into <see cref="RewardBreakdown.Judgements"/>.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, Rewards.Judgement> Judgements { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The content of the last assistant message that made no tool call: the agent's final answer, if it gave one.</summary>
    public string? FinalAnswer => Conversation.LastOrDefault(m => m.Role == Role.Assistant && m.ToolCalls.Count == 0)?.Content;

    /// <summary>
    /// Tokens the agent produced: exact where the policy recorded its token ids, as reported where a remote endpoint gave its
    /// usage (<see cref="Message.CompletionTokens"/>), otherwise estimated (one token per 4 characters, rounded up), which is
    /// what common BPE vocabularies average on English text. <see cref="TokenCount"/> says which.
    /// </summary>
    public int AssistantTokens => Conversation.Where(m => m.Role == Role.Assistant).Sum(EstimateTokens);

    /// <summary>Where <see cref="AssistantTokens"/> came from: the policy's token ids, the endpoint's usage, the estimate, or a mix.</summary>
    public TokenCountSource TokenCount
    {
        get
        {
            var sources = Conversation.Where(m => m.Role == Role.Assistant)
                .Select(m => m.TokenIds is not null ? TokenCountSource.Policy : m.CompletionTokens is not null ? TokenCountSource.Endpoint : TokenCountSource.Estimate)
                .Distinct().ToList();
            return sources.Count switch { 0 => TokenCountSource.Estimate, 1 => sources[0], _ => TokenCountSource.Mixed };
        }
    }

    /// <summary>The prompt tokens the endpoint reported for the agent's calls, summed; null when it reported none.</summary>
    public int? PromptTokens
    {
        get
        {
            var reported = Conversation.Where(m => m.Role == Role.Assistant && m.PromptTokens is not null).ToList();
            return reported.Count == 0 ? null : reported.Sum(m => m.PromptTokens!.Value);
        }
    }

    /// <summary>
    /// Tokens the agent spent reasoning, inside <c>&lt;think&gt;…&lt;/think&gt;</c> blocks (<see cref="ThinkBlock"/>): exact where
    /// the policy recorded how many of its token ids lie in the block (<see cref="Message.ReasoningTokens"/>), otherwise
    /// estimated from the reasoning text as <see cref="AssistantTokens"/> is. Messages without a block count 0.
    /// </summary>
    public int ReasoningTokens => Conversation.Where(m => m.Role == Role.Assistant).Sum(m =>
        ThinkBlock.Split(m.Content).Reasoning is { } reasoning ? m.ReasoningTokens ?? Estimate(reasoning.Length) : 0);

    internal static int EstimateTokens(Message m) =>
        m.TokenIds?.Count ?? m.CompletionTokens ?? Estimate(m.Content.Length + m.ToolCalls.Sum(c => c.Name.Length + c.ArgumentsJson.Length));

    private static int Estimate(int characters) => (characters + 3) / 4;
}

/// <summary>A <see cref="RewardContext"/> whose task is typed, so a reward reads <c>c.Task.Answer</c>.</summary>
public sealed record RewardContext<TTask> : RewardContext where TTask : IEnvironmentTask
{
    /// <summary>The context of an episode of <paramref name="task"/> that went as <paramref name="conversation"/>.</summary>
    public RewardContext(TTask task, IReadOnlyList<Message> conversation) : base(task, conversation) { }

    /// <summary>The episode's task.</summary>
    public new TTask Task => (TTask)base.Task;

    /// <summary><paramref name="context"/> with its task typed; throws <see cref="RewardException"/> when the task is of another type.</summary>
    public static RewardContext<TTask> Of(RewardContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context is RewardContext<TTask> typed) return typed;
        if (context.Task is not TTask task)
            throw new RewardException($"A reward for {typeof(TTask).Name} tasks was given a {context.Task?.GetType().Name ?? "null"} task.");
        return new RewardContext<TTask>(task, context.Conversation) { TruncationReason = context.TruncationReason, Notes = context.Notes, Judgements = context.Judgements };
    }
}
