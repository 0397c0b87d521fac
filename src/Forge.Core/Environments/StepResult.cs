namespace Forge.Core;

/// <summary>What reset returns: the first observation (system and user messages) and the tools on offer.</summary>
public sealed record ResetResult(IReadOnlyList<Message> Observation, IReadOnlyList<ToolSpec> Tools);

/// <summary>
/// What one step returns, with Gymnasium's semantics: the observation (tool results, a simulated user's reply),
/// the reward of this step, <see cref="Terminated"/> when the task reached an end (solved or failed) and
/// <see cref="Truncated"/> when a limit cut it off.
/// </summary>
public sealed record StepResult(IReadOnlyList<Message> Observation, double Reward, bool Terminated, bool Truncated)
{
    /// <summary>Set on the last step: the rubric's score per reward function.</summary>
    public RewardBreakdown? Breakdown { get; init; }

    /// <summary>Why a truncated episode stopped (for example <c>max_turns</c>).</summary>
    public string? TruncationReason { get; init; }

    /// <summary>Free-form diagnostics, recorded with the step.</summary>
    public IReadOnlyDictionary<string, string> Info { get; init; } = EmptyInfo;

    /// <summary>True when the episode is over, for either reason.</summary>
    public bool Done => Terminated || Truncated;

    internal static readonly IReadOnlyDictionary<string, string> EmptyInfo = new Dictionary<string, string>();
}
