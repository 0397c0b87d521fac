namespace Forge.Training.Rl;

/// <summary>
/// A whole conversation as one token sequence. <see cref="LossMask"/> is true exactly on the tokens the policy generated;
/// <see cref="OldLogProbs"/> holds, on those tokens, the log-probability the sampling policy gave them (0 elsewhere).
/// Token <c>i</c>'s log-prob is predicted from position <c>i − 1</c>.
/// </summary>
/// <param name="TokenIds">Every token, context and policy.</param>
/// <param name="LossMask">True on policy tokens.</param>
/// <param name="OldLogProbs">Recorded sampling log-probs on policy tokens, 0 elsewhere.</param>
/// <param name="HasOldLogProbs">False when some policy message carried no recorded log-probs (a demonstration): fine for SFT, not for RL.</param>
public sealed record EncodedConversation(int[] TokenIds, bool[] LossMask, float[] OldLogProbs, bool HasOldLogProbs)
{
    /// <summary>A sequence recorded with its exact ids, mask and sampling log-probs (an agent program's stitched calls), as the trainer takes it.</summary>
    public static EncodedConversation Of(Forge.Core.TokenSequence recorded)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        if (recorded.PolicyMask.Count != recorded.Ids.Count || recorded.LogProbs.Count != recorded.Ids.Count)
            throw new ArgumentException($"a recorded token sequence has {recorded.Ids.Count} ids but {recorded.PolicyMask.Count} mask entries and {recorded.LogProbs.Count} log-probs.", nameof(recorded));
        return new EncodedConversation([.. recorded.Ids], [.. recorded.PolicyMask], [.. recorded.LogProbs], HasOldLogProbs: true);
    }

    /// <summary>How many tokens the policy generated.</summary>
    public int PolicyTokenCount => LossMask.Count(m => m);

    /// <summary>The number of tokens.</summary>
    public int Length => TokenIds.Length;

    /// <summary>
    /// The sequence a trainer needs: without the context after the last policy token (the environment's final answer
    /// teaches nothing) and at most <paramref name="maxLength"/> tokens long.
    /// </summary>
    public EncodedConversation ForTraining(int maxLength)
    {
        var end = Array.LastIndexOf(LossMask, true) + 1;
        end = Math.Min(end == 0 ? Length : end, maxLength);
        return end == Length ? this : new EncodedConversation(TokenIds[..end], LossMask[..end], OldLogProbs[..end], HasOldLogProbs);
    }
}
