using Forge.Training.Rl;

namespace Forge.Serving.AgentPrograms;

/// <summary>
/// Agent-program episodes as GRPO training samples: the G episodes of one task form a group, each episode's reward gives
/// its group-relative advantage, and every token sequence its calls stitched into becomes a sample with that advantage —
/// the recorded ids, the loss mask on the policy's tokens only, and the recorded log-probs as the old policy's.
/// </summary>
public static class AgentProgramSamples
{
    /// <summary>The samples of one group (the episodes of one task). Errored episodes are left out; a group without reward variance gives none.</summary>
    public static IReadOnlyList<TrainingSample> ForGroup(IReadOnlyList<AgentProgramEpisode> group, AdvantageEstimator estimator, bool scaleByStd)
    {
        ArgumentNullException.ThrowIfNull(group);
        var scored = group.Where(e => e.Error is null && e.Sequences.Count > 0).ToList();
        if (scored.Count < 2 || Advantages.AllEqual([.. scored.Select(e => e.Reward)])) return [];
        var advantages = Advantages.ForGroup([.. scored.Select(e => e.Reward)], estimator, scaleByStd);
        return [.. scored.SelectMany((episode, i) => episode.Sequences.Select(s =>
            new TrainingSample(new EncodedConversation([.. s.Ids], [.. s.PolicyMask], [.. s.LogProbs], HasOldLogProbs: true), advantages[i])))];
    }
}
