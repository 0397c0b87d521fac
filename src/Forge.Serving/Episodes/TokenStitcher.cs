namespace Forge.Serving.Episodes;

/// <summary>
/// One training sequence built from an episode's calls: the ids, which of them the policy generated (the loss mask),
/// their log-probs (0 for context), and the calls it holds.
/// </summary>
/// <param name="Ids">Prompt and completion ids, in order.</param>
/// <param name="PolicyMask">True at ids the policy generated.</param>
/// <param name="LogProbs">The recorded log-prob at policy ids, 0 elsewhere.</param>
/// <param name="Calls">The indices of the calls stitched into it.</param>
public sealed record StitchedSequence(IReadOnlyList<int> Ids, IReadOnlyList<bool> PolicyMask, IReadOnlyList<float> LogProbs, IReadOnlyList<int> Calls)
{
    /// <summary>True when more than one call went into it.</summary>
    public bool Stitched => Calls.Count > 1;
}

/// <summary>
/// Stitches an episode's calls (first choice of each) into sequences: a call whose prompt extends an open sequence
/// (its prompt and completion so far) continues it, the ids in between becoming context; a call that doesn't — the
/// program rewrote the history — starts a new sequence. The sequences share the episode's reward.
/// </summary>
public static class TokenStitcher
{
    /// <summary>The sequences of <paramref name="calls"/>, in the order they were started.</summary>
    public static IReadOnlyList<StitchedSequence> Stitch(IReadOnlyList<ServedCall> calls)
    {
        ArgumentNullException.ThrowIfNull(calls);
        var open = new List<(List<int> Ids, List<bool> Mask, List<float> LogProbs, List<int> Calls)>();
        foreach (var call in calls)
        {
            var choice = call.Choices[0];
            var sequence = open.LastOrDefault(s => s.Ids.Count <= call.PromptIds.Count && call.PromptIds.Take(s.Ids.Count).SequenceEqual(s.Ids));
            if (sequence.Ids is null)
            {
                sequence = ([], [], [], []);
                open.Add(sequence);
            }
            foreach (var id in call.PromptIds.Skip(sequence.Ids.Count))
            {
                sequence.Ids.Add(id);
                sequence.Mask.Add(false);
                sequence.LogProbs.Add(0f);
            }
            sequence.Ids.AddRange(choice.CompletionIds);
            sequence.Mask.AddRange(choice.CompletionIds.Select(_ => true));
            sequence.LogProbs.AddRange(choice.LogProbs);
            sequence.Calls.Add(call.Index);
        }
        return [.. open.Select(s => new StitchedSequence(s.Ids, s.Mask, s.LogProbs, s.Calls))];
    }
}
