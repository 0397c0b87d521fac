using MessagePack;

namespace Forge.Core;

/// <summary>
/// A token sequence recorded exactly as the policy saw and wrote it, so a trainer learns from it without re-encoding the
/// messages: the ids, which of them the policy generated (the loss mask), their log-probs when sampled (0 for context), the
/// model calls it holds and the oldest policy version that wrote any of it. An agent program's calls are stitched into such
/// sequences; a program that rewrote its history leaves several, which share the episode's reward.
/// </summary>
/// <param name="Ids">Prompt and completion ids, in order.</param>
/// <param name="PolicyMask">True at ids the policy generated.</param>
/// <param name="LogProbs">The recorded log-prob at policy ids, 0 elsewhere.</param>
[MessagePackObject(true)]
public sealed record TokenSequence(IReadOnlyList<int> Ids, IReadOnlyList<bool> PolicyMask, IReadOnlyList<float> LogProbs)
{
    /// <summary>The indices (0-based, in the episode's order) of the model calls stitched into it.</summary>
    public IReadOnlyList<int> Calls { get; init; } = [];

    /// <summary>The oldest policy version that generated any of its tokens; null when none is known.</summary>
    public int? PolicyVersion { get; init; }

    /// <summary>True when more than one call went into it.</summary>
    [IgnoreMember]
    public bool Stitched => Calls.Count > 1;
}
