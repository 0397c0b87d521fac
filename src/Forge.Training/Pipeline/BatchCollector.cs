using System.Threading.Channels;
using Forge.Core;
using Forge.Training.Rl;

namespace Forge.Training.Pipeline;

/// <summary>
/// Gathers one update's batch of complete groups from the <see cref="GroupBatcher"/>: a group produced by a policy more
/// than <c>max_staleness</c> versions behind the trainer is dropped, and so (with dynamic sampling, up to its cap) is a
/// group whose rewards are all equal; each dropped group is replaced by asking the producer for another. In async mode
/// every group read asks for one (the next update's groups roll out during this one), so a replacement is implied.
/// </summary>
/// <param name="groups">Complete groups, in the order they completed.</param>
/// <param name="requestGroup">Lets the producer start one more group.</param>
/// <param name="mode">Sync or async rollouts.</param>
/// <param name="maxStaleness">The oldest policy a trained group may come from, in versions behind the trainer.</param>
/// <param name="dynamicSampling">Replace groups without signal (null: keep them, they are skipped).</param>
internal sealed class BatchCollector(ChannelReader<TrajectoryGroup> groups, Action requestGroup, RolloutMode mode, int maxStaleness, DynamicSamplingOptions? dynamicSampling)
{
    /// <summary>Reads groups until <paramref name="count"/> are kept for the trainer at <paramref name="trainerVersion"/>; null when the groups ended first.</summary>
    public async Task<CollectedBatch?> CollectAsync(int count, int trainerVersion, CancellationToken ct)
    {
        var kept = new List<TrajectoryGroup>(count);
        var staleness = new List<int>(count);
        var observed = new List<Trajectory>();
        int stale = 0, refills = 0;
        while (kept.Count < count)
        {
            if (!await groups.WaitToReadAsync(ct).ConfigureAwait(false)) return null;
            var group = await groups.ReadAsync(ct).ConfigureAwait(false);
            var age = trainerVersion - (group.OldestPolicyVersion ?? trainerVersion);
            var tooOld = age > maxStaleness;
            var refill = !tooOld && dynamicSampling is { } dynamic && refills < dynamic.MaxRefills && !group.HasSignal;
            if (mode == RolloutMode.Async || tooOld || refill) requestGroup();
            if (tooOld) { stale++; continue; }
            observed.AddRange(group.Trajectories);   // a group without signal still says how often the task was solved
            if (refill) { refills++; continue; }
            kept.Add(group);
            staleness.Add(age);
        }
        return new CollectedBatch(kept, staleness, stale, refills, observed);
    }
}

/// <summary>One update's groups and what was dropped on the way.</summary>
/// <param name="Groups">The groups to train on.</param>
/// <param name="Staleness">Each kept group's age in policy versions.</param>
/// <param name="Stale">Groups dropped for being older than <c>max_staleness</c>.</param>
/// <param name="Refills">Groups without signal dropped and replaced (dynamic sampling).</param>
/// <param name="Observed">Every fresh episode read: the kept groups' and the refilled ones' (not the stale ones').</param>
internal sealed record CollectedBatch(IReadOnlyList<TrajectoryGroup> Groups, IReadOnlyList<int> Staleness, int Stale, int Refills, IReadOnlyList<Trajectory> Observed);
