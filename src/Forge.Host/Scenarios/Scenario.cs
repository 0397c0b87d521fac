using System.Text.Json;
using Forge.Core;

namespace Forge.Host.Scenarios;

/// <summary>
/// A runnable scenario (<c>scenarios/*.json</c>): which environments and tasks, which agent, how many episodes per task
/// and in what groups, concurrency, seed, limits, output folder. Sections owned by other parts (<c>sandbox</c>,
/// <c>trainer</c>, the agent's own options) are kept as raw JSON for their owners to read.
/// </summary>
public sealed partial record Scenario
{
    /// <summary>The scenario's name (used for the default output folder).</summary>
    public required string Name { get; init; }

    /// <summary>The full path of the file it was loaded from (relative paths inside it are relative to its folder).</summary>
    public required string Path { get; init; }

    /// <summary>The seed every episode seed derives from. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// The seed generated task sets come from; null = <see cref="Seed"/>. A command that overrides the seed for another
    /// run of the same scenario (<c>forge run --seed</c>) keeps the file's here, so that the tasks the file selects, by
    /// count or by id, stay the same and only the episodes' seeds change.
    /// </summary>
    public int? TaskSeed { get; init; }

    /// <summary>The seed the environments' task sets are generated with: <see cref="TaskSeed"/>, else <see cref="Seed"/>.</summary>
    public int TaskSetSeed => TaskSeed ?? Seed;

    /// <summary>The environments and their task selections, in file order.</summary>
    public required IReadOnlyList<ScenarioEnvironment> Environments { get; init; }

    /// <summary>The agent section.</summary>
    public required ScenarioAgent Agent { get; init; }

    /// <summary>Episodes per task (a multiple of <see cref="GroupSize"/>). Default: <see cref="GroupSize"/>.</summary>
    public int EpisodesPerTask { get; init; } = 1;

    /// <summary>Episodes of the same task that share a group id (GRPO groups). Default 1.</summary>
    public int GroupSize { get; init; } = 1;

    /// <summary>Most episodes running at once. Default 8.</summary>
    public int Concurrency { get; init; } = 8;

    /// <summary>Retries of transient agent faults per turn. Default 2.</summary>
    public int AgentRetries { get; init; } = 2;

    /// <summary>Limits overriding the registry's defaults.</summary>
    public LimitOverrides Limits { get; init; } = new();

    /// <summary>The reward mode for every environment; null keeps each environment's registered mode.</summary>
    public RewardMode? RewardMode { get; init; }

    /// <summary>The raw <c>"sandbox"</c> section (read by Forge.Sandbox), if any.</summary>
    public JsonElement? Sandbox { get; init; }

    /// <summary>The raw <c>"trainer"</c> section (read by <c>forge train</c>), if any.</summary>
    public JsonElement? Trainer { get; init; }

    /// <summary>The raw <c>"cluster"</c> section (read by Forge.Cluster): run the episodes on cluster workers.</summary>
    public JsonElement? Cluster { get; init; }

    /// <summary>
    /// The <c>"judge"</c> section: the OpenAI-compatible endpoint and model that LLM-judged rewards ask (an environment's
    /// optional judge, like support/desk's politeness judge, is on only when the scenario has one); null when absent.
    /// </summary>
    public Forge.Core.Rewards.LlmJudgeOptions? Judge { get; init; }

    /// <summary>Where the run writes its trajectories, relative to the current directory unless absolute. Default <c>runs/NAME</c>.</summary>
    public required string Output { get; init; }
}

/// <summary>One entry of a scenario's <c>"environments"</c>: an environment id and which of its tasks to run.</summary>
/// <param name="Id">The environment's registry id.</param>
/// <param name="Tasks">Run the first N tasks (file) or N generated tasks; null with no <paramref name="TaskIds"/> runs them all.</param>
/// <param name="TaskIds">Run exactly these tasks.</param>
/// <param name="JsonPath">Where the entry is in the file, for error messages.</param>
public sealed record ScenarioEnvironment(string Id, int? Tasks, IReadOnlyList<string>? TaskIds, string JsonPath);

/// <summary>A scenario's <c>"agent"</c> section: the type, the options the host knows, and the raw section for the agent's owner.</summary>
/// <param name="Type">One of <see cref="Types"/>.</param>
/// <param name="ErrorRate">For <c>noisy</c>: the chance per turn of a plausible mistake. Default 0.2.</param>
/// <param name="Raw">The whole section.</param>
public sealed record ScenarioAgent(string Type, double ErrorRate, JsonElement Raw)
{
    /// <summary>The agent types a scenario may name.</summary>
    public static readonly IReadOnlyList<string> Types = ["scripted", "noisy", "semantic-kernel", "policy", "agent-program"];
}
