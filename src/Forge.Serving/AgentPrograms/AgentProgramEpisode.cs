using Forge.Core;
using Forge.Serving.Episodes;

namespace Forge.Serving.AgentPrograms;

/// <summary>
/// One agent-program episode: what the program returned, every call it made with its exact ids, the token sequences
/// those calls stitch into, the score, and the trajectories recorded for it (one per sequence, sharing the reward).
/// </summary>
/// <param name="EpisodeId">The episode id.</param>
/// <param name="Output">The program's final output; null when it failed.</param>
/// <param name="Calls">The completions served for the episode.</param>
/// <param name="Sequences">The stitched token sequences (what training learns from).</param>
/// <param name="Reward">The rubric's total (0 when the program failed).</param>
/// <param name="Breakdown">The rubric's scores; null when the program failed.</param>
/// <param name="Error">Why the program failed; null when it did not.</param>
/// <param name="Trajectories">The episode as Forge trajectories: one per sequence.</param>
public sealed record AgentProgramEpisode(
    string EpisodeId, string? Output, IReadOnlyList<ServedCall> Calls, IReadOnlyList<StitchedSequence> Sequences,
    double Reward, RewardBreakdown? Breakdown, EpisodeError? Error, IReadOnlyList<Trajectory> Trajectories);
