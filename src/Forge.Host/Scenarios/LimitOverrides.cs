using System.Text.Json;
using Forge.Core;

namespace Forge.Host.Scenarios;

/// <summary>A scenario's <c>"limits"</c> section: the limits it sets, each overriding the registry's default for every environment.</summary>
public sealed record LimitOverrides
{
    /// <summary>The property names of the section.</summary>
    internal static readonly string[] Names = ["max_turns", "turn_timeout_s", "step_timeout_s", "tool_timeout_s", "episode_timeout_s", "max_action_chars"];

    public int? MaxTurns { get; init; }
    public TimeSpan? TurnTimeout { get; init; }
    public TimeSpan? StepTimeout { get; init; }
    public TimeSpan? ToolTimeout { get; init; }
    public TimeSpan? EpisodeTimeout { get; init; }
    public int? MaxActionChars { get; init; }

    /// <summary><paramref name="defaults"/> with these overrides applied.</summary>
    public EpisodeLimits ApplyTo(EpisodeLimits defaults) => defaults with
    {
        MaxTurns = MaxTurns ?? defaults.MaxTurns,
        TurnTimeout = TurnTimeout ?? defaults.TurnTimeout,
        StepTimeout = StepTimeout ?? defaults.StepTimeout,
        ToolTimeout = ToolTimeout ?? defaults.ToolTimeout,
        EpisodeTimeout = EpisodeTimeout ?? defaults.EpisodeTimeout,
        MaxActionChars = MaxActionChars ?? defaults.MaxActionChars,
    };

    internal static LimitOverrides Read(JsonChecker json, JsonElement section, string path)
    {
        if (!json.IsObject(section, path)) return new LimitOverrides();
        json.OnlyKnown(section, path, Names);
        return new LimitOverrides
        {
            MaxTurns = json.Int(section, path, "max_turns", 1, 10_000),
            TurnTimeout = Seconds(json.Number(section, path, "turn_timeout_s", 0, 86_400, exclusiveMin: true)),
            StepTimeout = Seconds(json.Number(section, path, "step_timeout_s", 0, 86_400, exclusiveMin: true)),
            ToolTimeout = Seconds(json.Number(section, path, "tool_timeout_s", 0, 86_400, exclusiveMin: true)),
            EpisodeTimeout = Seconds(json.Number(section, path, "episode_timeout_s", 0, 7 * 86_400, exclusiveMin: true)),
            MaxActionChars = json.Int(section, path, "max_action_chars", 1, int.MaxValue),
        };
    }

    private static TimeSpan? Seconds(double? s) => s is { } v ? TimeSpan.FromSeconds(v) : null;
}
