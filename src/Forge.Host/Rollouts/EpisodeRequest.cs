using Forge.Core;

namespace Forge.Host;

/// <summary>
/// One episode to run: which environment and task, the seed, and the group it belongs to
/// (episodes of the same task rolled out together for group-relative training share a group id).
/// </summary>
/// <param name="EpisodeId">Unique id of the episode within the run.</param>
/// <param name="EnvironmentId">The environment's registry id.</param>
/// <param name="Task">The task.</param>
/// <param name="Seed">The episode's seed.</param>
/// <param name="GroupId">The group's id.</param>
public sealed record EpisodeRequest(string EpisodeId, string EnvironmentId, IEnvironmentTask Task, int Seed, string GroupId)
{
    /// <summary>Limits of the episode (the registry's defaults with the scenario's overrides).</summary>
    public EpisodeLimits Limits { get; init; } = EpisodeLimits.Default;

    /// <summary>How the rubric turns scores into the reward.</summary>
    public RewardMode RewardMode { get; init; } = RewardMode.Graded;

    /// <summary>The seed the agent draws its own choices from; null: the episode's seed (see <see cref="AgentTurn.AgentSeed"/>).</summary>
    public int? AgentSeed { get; init; }

    /// <summary>For a fork: the episode it branches from (recorded in the trajectory).</summary>
    public string? ParentEpisodeId { get; init; }

    /// <summary>For a fork: how many of the parent's steps are re-executed before the new agent acts.</summary>
    public int? ForkStep { get; init; }

    /// <summary>Where the task came from (recorded in the trajectory's provenance); null when the caller doesn't know.</summary>
    public TaskProvenance? TaskProvenance { get; init; }

    /// <summary>The judge model the episode's LLM-judged rewards ask (<see cref="EpisodeContext.Judge"/>); null when none is configured.</summary>
    public Forge.Core.Rewards.JudgeEndpoint? Judge { get; init; }
}
