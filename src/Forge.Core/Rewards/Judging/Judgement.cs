using MessagePack;

namespace Forge.Core.Rewards;

/// <summary>
/// A judge's verdict as the trajectory keeps it (<see cref="RewardBreakdown.Judgements"/>): who judged, how, what it was asked
/// (as hashes) and what it answered. Replay and rerun score from it again instead of asking the judge
/// (<see cref="JudgeEndpoint.Replaying"/>); the hashes tell a rerun whether the question changed since.
/// </summary>
/// <param name="Model">The judge model's id.</param>
/// <param name="Mode">How the verdict was read.</param>
/// <param name="PromptHash">SHA-256 of the whole prompt (rubric and conversation), lower-case hex.</param>
/// <param name="RubricHash">SHA-256 of the prompt without the conversation (what the judge was told to judge, and how to answer).</param>
/// <param name="Reply">The reply's text.</param>
[MessagePackObject(true)]
public sealed record Judgement(string Model, JudgeMode Mode, string PromptHash, string RubricHash, string Reply)
{
    /// <summary>In <see cref="JudgeMode.Logprobs"/> mode: the reply's most likely first tokens with their log-probabilities.</summary>
    public IReadOnlyList<JudgeLogprob>? FirstTokenLogprobs { get; init; }
}
