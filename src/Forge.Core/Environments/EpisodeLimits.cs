using System.ComponentModel.DataAnnotations;
using MessagePack;

namespace Forge.Core;

/// <summary>Limits of one episode. Hitting one truncates the episode (Gymnasium's <c>truncated</c>); it is not an error.</summary>
[MessagePackObject(true)]
public sealed record EpisodeLimits
{
    /// <summary>Most agent turns (assistant messages) in one episode. Default 8.</summary>
    [Range(1, 10_000)]
    public int MaxTurns { get; init; } = 8;

    /// <summary>Deadline for one agent turn (the agent producing its message). Default 30 s.</summary>
    public TimeSpan TurnTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Deadline for one environment step (tool calls included). Default 30 s.</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Deadline for one tool call. Default 10 s.</summary>
    public TimeSpan ToolTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Deadline for the whole episode. Default 120 s.</summary>
    public TimeSpan EpisodeTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Longest assistant message accepted, in characters; longer ones are answered with an error. Default 65 536.</summary>
    [Range(1, int.MaxValue)]
    public int MaxActionChars { get; init; } = 65_536;

    /// <summary>The defaults.</summary>
    public static EpisodeLimits Default { get; } = new();

    /// <summary>Every problem with these limits, empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxTurns < 1) errors.Add($"max_turns must be at least 1 (got {MaxTurns})");
        if (MaxActionChars < 1) errors.Add($"max_action_chars must be at least 1 (got {MaxActionChars})");
        foreach (var (name, value) in new[] { ("turn_timeout", TurnTimeout), ("step_timeout", StepTimeout), ("tool_timeout", ToolTimeout), ("episode_timeout", EpisodeTimeout) })
            if (value <= TimeSpan.Zero) errors.Add($"{name} must be positive (got {value})");
        return errors;
    }
}
