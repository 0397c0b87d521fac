using Forge.Core;

namespace Forge.Serving.Episodes;

/// <summary>
/// Stitches an episode's calls (first choice of each) into token sequences: a call whose prompt extends an open sequence
/// (its prompt and completion so far) continues it, the ids in between becoming context; a call that doesn't — the
/// program rewrote the history — starts a new sequence. The sequences share the episode's reward; each keeps the calls it
/// holds and the oldest policy version among them.
/// </summary>
public static class TokenStitcher
{
    /// <summary>The sequences of <paramref name="calls"/>, in the order they were started.</summary>
    public static IReadOnlyList<TokenSequence> Stitch(IReadOnlyList<ServedCall> calls)
    {
        ArgumentNullException.ThrowIfNull(calls);
        var open = new List<(List<int> Ids, List<bool> Mask, List<float> LogProbs, List<int> Calls, List<long> Versions)>();
        foreach (var call in calls)
        {
            var choice = call.Choices[0];
            var sequence = open.LastOrDefault(s => s.Ids.Count <= call.PromptIds.Count && call.PromptIds.Take(s.Ids.Count).SequenceEqual(s.Ids));
            if (sequence.Ids is null)
            {
                sequence = ([], [], [], [], []);
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
            sequence.Versions.Add(call.PolicyVersion);
        }
        return [.. open.Select(s => new TokenSequence(s.Ids, s.Mask, s.LogProbs) { Calls = s.Calls, PolicyVersion = (int)s.Versions.Min() })];
    }
}
