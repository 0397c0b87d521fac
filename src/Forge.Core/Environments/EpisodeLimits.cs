using System.ComponentModel.DataAnnotations;
using Forge.Core.Configuration;
using MessagePack;

namespace Forge.Core;

/// <summary>
/// Limits of one episode. Hitting one truncates the episode (Gymnasium's <c>truncated</c>); it is not an error.
/// In configuration files (a registry entry's or a scenario's <c>limits</c>) deadlines are written in seconds:
/// <c>{ "max_turns": 6, "tool_timeout_s": 5 }</c>. The ranges below are the only ones; <see cref="Validate"/> and the
/// configuration reader both enforce them.
/// </summary>
[MessagePackObject(true)]
public sealed record EpisodeLimits
{
    /// <summary>Most agent turns (assistant messages) in one episode. Default 8.</summary>
    [Range(1, 10_000)]
    public int MaxTurns { get; init; } = 8;

    /// <summary>Deadline for one agent turn (the agent producing its message). Default 30 s.</summary>
    [Range(0, 86_400, MinimumIsExclusive = true)]
    public TimeSpan TurnTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Deadline for one environment step (tool calls included). Default 30 s.</summary>
    [Range(0, 86_400, MinimumIsExclusive = true)]
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Deadline for one tool call. Default 10 s.</summary>
    [Range(0, 86_400, MinimumIsExclusive = true)]
    public TimeSpan ToolTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Deadline for the whole episode. Default 120 s.</summary>
    [Range(0, 7 * 86_400, MinimumIsExclusive = true)]
    public TimeSpan EpisodeTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Longest assistant message accepted, in characters; longer ones are answered with an error. Default 65 536.</summary>
    [Range(1, int.MaxValue)]
    public int MaxActionChars { get; init; } = 65_536;

    /// <summary>The defaults.</summary>
    public static EpisodeLimits Default { get; } = new();

    /// <summary>Every problem with these limits (<c>max_turns: must be between 1 and 10000 (got 0)</c>), empty when they are valid.</summary>
    public IReadOnlyList<string> Validate() => OptionsValidator.Validate(this).Select(p => p.ToString()).ToList();
}
