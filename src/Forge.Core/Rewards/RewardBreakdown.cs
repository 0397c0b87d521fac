using MessagePack;

namespace Forge.Core;

/// <summary>How a rubric scored an episode: each function's raw score by name, the total, and whether the task was solved.</summary>
[MessagePackObject(true)]
public sealed record RewardBreakdown(IReadOnlyDictionary<string, double> Scores, double Total, bool Success)
{
    /// <summary>What functions recorded beside their scores (an LLM judge's raw reply or error), by function name; null when none did.</summary>
    public IReadOnlyDictionary<string, string>? Notes { get; init; }

    /// <summary>The verdicts of LLM judges (<see cref="Rewards.LlmJudge{TTask}"/>), by function name, for replay to score from again; null when no judge answered.</summary>
    public IReadOnlyDictionary<string, Rewards.Judgement>? Judgements { get; init; }
}

/// <summary>How the rubric turns scores into the episode's reward.</summary>
public enum RewardMode
{
    /// <summary>The weighted sum of every function's score.</summary>
    Graded,
    /// <summary>1 when the task was solved (the primary function scored full marks), else 0. Every score is still recorded.</summary>
    Binary,
}

/// <summary>Thrown when a reward function returns a value that is not a finite number; the host records it as the episode's error.</summary>
public sealed class RewardException(string message) : Exception(message);
