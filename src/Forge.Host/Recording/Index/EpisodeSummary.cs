using Forge.Core;

namespace Forge.Host.Recording.Index;

/// <summary>
/// What a list of episodes shows and filters on, kept in a log's index so that a table of 100,000 episodes needs no pass
/// over the log: where the record lies, who ran what, how it scored and ended. The log stays the source of truth.
/// </summary>
public sealed record EpisodeSummary
{
    /// <summary>0-based position among the log's readable records.</summary>
    public int Ordinal { get; init; }

    /// <summary>Byte offset of the record in the log.</summary>
    public long Offset { get; init; }

    /// <summary>Bytes of the record, frame header included.</summary>
    public int Length { get; init; }

    /// <summary>The episode's id.</summary>
    public string EpisodeId { get; init; } = "";

    /// <summary>The run it belongs to.</summary>
    public string RunId { get; init; } = "";

    /// <summary>Its group (episodes of one task rolled out together).</summary>
    public string GroupId { get; init; } = "";

    /// <summary>The environment's registry id.</summary>
    public string EnvironmentId { get; init; } = "";

    /// <summary>The environment's version.</summary>
    public string EnvironmentVersion { get; init; } = "";

    /// <summary>The task's id.</summary>
    public string TaskId { get; init; } = "";

    /// <summary>The episode's seed.</summary>
    public int Seed { get; init; }

    /// <summary>The agent's id.</summary>
    public string AgentId { get; init; } = "";

    /// <summary>The policy version that acted, when a trainable policy did.</summary>
    public int? PolicyVersion { get; init; }

    /// <summary>For a forked episode: the parent episode's id.</summary>
    public string? ParentEpisodeId { get; init; }

    /// <summary>For a forked episode: how many of the parent's steps were re-executed before its own agent took over.</summary>
    public int? ForkStep { get; init; }

    /// <summary>How many steps the episode took.</summary>
    public int Steps { get; init; }

    /// <summary>The episode's reward.</summary>
    public double TotalReward { get; init; }

    /// <summary>True when the rubric's primary function gave full marks.</summary>
    public bool Success { get; init; }

    /// <summary>How it ended.</summary>
    public Termination Termination { get; init; }

    /// <summary>Which limit truncated it.</summary>
    public string? TruncationReason { get; init; }

    /// <summary>Where it failed, when it errored.</summary>
    public ErrorBoundary? ErrorBoundary { get; init; }

    /// <summary>The failure's exception type, when it errored.</summary>
    public string? ErrorType { get; init; }

    /// <summary>Tool calls that came back as errors.</summary>
    public int ToolErrors { get; init; }

    /// <summary>Agent messages that could not be parsed.</summary>
    public int Malformed { get; init; }

    /// <summary>Tokens the agent produced.</summary>
    public int AssistantTokens { get; init; }

    /// <summary>When it started.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>How long it took, in milliseconds.</summary>
    public double DurationMs { get; init; }
}
