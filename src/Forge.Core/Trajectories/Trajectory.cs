using MessagePack;

namespace Forge.Core;

/// <summary>How an episode ended.</summary>
public enum Termination
{
    /// <summary>The task reached its end (Gymnasium's <c>terminated</c>).</summary>
    Terminated,
    /// <summary>A limit cut it off (Gymnasium's <c>truncated</c>); <see cref="Trajectory.TruncationReason"/> says which.</summary>
    Truncated,
    /// <summary>The run was cancelled (Ctrl+C) while the episode was going on.</summary>
    Cancelled,
    /// <summary>An environment, tool, sandbox, agent or reward function failed; <see cref="Trajectory.Error"/> says where.</summary>
    Errored,
}

/// <summary>Where a trajectory's token counts came from.</summary>
public enum TokenCountSource
{
    /// <summary>Estimated from the text (4 characters a token): the agent reported nothing.</summary>
    Estimate,
    /// <summary>Counted exactly: the token ids a local policy generated.</summary>
    Policy,
    /// <summary>As the agent's endpoint reported them (the <c>usage</c> of each reply).</summary>
    Endpoint,
    /// <summary>Some messages counted exactly or reported by the endpoint, the others estimated.</summary>
    Mixed,
}

/// <summary>Where an episode's failure happened.</summary>
public enum ErrorBoundary
{
    /// <summary>The environment's own code.</summary>
    Environment,
    /// <summary>A tool implementation.</summary>
    Tool,
    /// <summary>The sandbox or its engine.</summary>
    Sandbox,
    /// <summary>The agent (model, client, policy).</summary>
    Agent,
    /// <summary>A reward function.</summary>
    Reward,
    /// <summary>The host itself (a bug).</summary>
    Host,
}

/// <summary>A failure recorded in a trajectory: "a bad rollout is data, not a crash".</summary>
[MessagePackObject(true)]
public sealed record EpisodeError(ErrorBoundary Boundary, string Type, string Message)
{
    /// <summary>The step whose call failed (the agent's turn or the environment's step); null for a failure at reset or outside the steps, and in older trajectories.</summary>
    public int? Step { get; init; }
}

/// <summary>One step of an episode: the agent's message, what the environment answered and when.</summary>
[MessagePackObject(true)]
public sealed record Step
{
    /// <summary>0-based turn number.</summary>
    public int Index { get; init; }

    /// <summary>The agent's message.</summary>
    public required Message Action { get; init; }

    /// <summary>The environment's answer (tool results, a simulated user's reply, an error).</summary>
    public IReadOnlyList<Message> Observation { get; init; } = [];

    /// <summary>The reward of this step (on the last step it includes the rubric's total).</summary>
    public double Reward { get; init; }

    /// <summary>How long the agent took to produce the message, in milliseconds.</summary>
    public double AgentMs { get; init; }

    /// <summary>How long the environment took to answer, tool calls included, in milliseconds.</summary>
    public double EnvironmentMs { get; init; }

    /// <summary>Free-form diagnostics the environment returned with the step.</summary>
    public IReadOnlyDictionary<string, string> Info { get; init; } = StepResult.EmptyInfo;
}

/// <summary>
/// Everything about one episode, self-contained so that it can be replayed, inspected or trained on anywhere:
/// which environment (id and version), task and seed; which agent and policy version; the whole conversation step by step
/// with timings, token ids and log-probs where a local policy produced them; the reward and its breakdown; how it ended.
/// </summary>
[MessagePackObject(true)]
public sealed record Trajectory
{
    /// <summary>Unique id of the episode.</summary>
    public required string EpisodeId { get; init; }

    /// <summary>The run (one invocation of a scenario) the episode belongs to.</summary>
    public string RunId { get; init; } = "";

    /// <summary>Episodes of the same task rolled out together for group-relative training share a group id.</summary>
    public string GroupId { get; init; } = "";

    /// <summary>The environment's registry id.</summary>
    public required string EnvironmentId { get; init; }

    /// <summary>The environment's version.</summary>
    public string EnvironmentVersion { get; init; } = "";

    /// <summary>The task's id.</summary>
    public required string TaskId { get; init; }

    /// <summary>The episode's seed.</summary>
    public int Seed { get; init; }

    /// <summary>The agent's id (for example <c>scripted/math</c>, <c>sk/gpt-4o-mini</c>, <c>policy</c>).</summary>
    public string AgentId { get; init; } = "";

    /// <summary>The version of the trainable policy that acted, when one did.</summary>
    public int? PolicyVersion { get; init; }

    /// <summary>Where the episode came from (Forge build, environment build, task, limits, sandbox, agent); null in trajectories recorded before it was kept.</summary>
    public Provenance? Provenance { get; init; }

    /// <summary>For an episode forked from another: the parent episode's id; null otherwise.</summary>
    public string? ParentEpisodeId { get; init; }

    /// <summary>For a forked episode: how many of the parent's steps were re-executed before this episode's agent took over (its first own step has this index).</summary>
    public int? ForkStep { get; init; }

    /// <summary>The opening observation (system and user messages).</summary>
    public IReadOnlyList<Message> Prompt { get; init; } = [];

    /// <summary>The tools that were on offer.</summary>
    public IReadOnlyList<ToolSpec> Tools { get; init; } = [];

    /// <summary>The steps, in order.</summary>
    public IReadOnlyList<Step> Steps { get; init; } = [];

    /// <summary>The sum of the steps' rewards: what a trainer sees by default. Zero when the episode errored or was cancelled before scoring.</summary>
    public double TotalReward { get; init; }

    /// <summary>
    /// How the rubric turned scores into <see cref="TotalReward"/> for this episode (a reward schedule may change it during
    /// training); null in trajectories recorded before it was kept.
    /// </summary>
    public RewardMode? RewardMode { get; init; }

    /// <summary>The rubric's breakdown, when the episode was scored.</summary>
    public RewardBreakdown? Breakdown { get; init; }

    /// <summary>How the episode ended.</summary>
    public Termination Termination { get; init; }

    /// <summary>Which limit truncated it (<c>max_turns</c>, <c>episode_timeout</c>, …).</summary>
    public string? TruncationReason { get; init; }

    /// <summary>The failure, when it errored.</summary>
    public EpisodeError? Error { get; init; }

    /// <summary>When the episode started.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>How long it took, in milliseconds.</summary>
    public double DurationMs { get; init; }

    /// <summary>Tool calls that came back as errors.</summary>
    public int ToolErrorCount { get; init; }

    /// <summary>Agent messages that could not be parsed.</summary>
    public int MalformedCount { get; init; }

    /// <summary>Tokens the agent produced: exact for a local policy, as reported by the endpoint for a remote one, else estimated; <see cref="TokenCount"/> says which.</summary>
    public int AssistantTokens { get; init; }

    /// <summary>Where <see cref="AssistantTokens"/> came from; null in trajectories recorded before it was kept.</summary>
    public TokenCountSource? TokenCount { get; init; }

    /// <summary>Prompt tokens of the agent's calls as the endpoint reported them (summed over the calls); null when none was reported.</summary>
    public int? PromptTokens { get; init; }

    /// <summary>
    /// The exact token sequences to train on, when they were recorded rather than re-encodable from the messages (an agent
    /// program's calls, stitched into sequences); empty otherwise, and in trajectories recorded before they were kept.
    /// </summary>
    public IReadOnlyList<TokenSequence> TokenSequences { get; init; } = [];

    /// <summary>True when the rubric's primary function gave full marks.</summary>
    [IgnoreMember]
    public bool Success => Breakdown?.Success ?? false;

    /// <summary>The whole conversation, prompt first.</summary>
    public IEnumerable<Message> Messages() => Prompt.Concat(Steps.SelectMany(s => s.Observation.Prepend(s.Action)));
}
