using System.Text.Json;
using System.Text.Json.Nodes;
using Forge.Core;
using Forge.Host.Recording;
using Forge.Host.Recording.Index;

namespace Forge.Viewer.Episodes;

/// <summary>A message as the episode page shows it; text already escaped (<see cref="DisplayText"/>), <c>Escaped</c> set when anything was.</summary>
internal sealed record MessageView(string Role, string Content, bool Escaped, IReadOnlyList<ToolCallView> ToolCalls, string? ToolCallId, string? Name,
    bool Malformed, bool IsError, IReadOnlyList<TokenView>? Tokens, int? PolicyVersion, int? ReasoningTokens);

/// <summary>A tool call with its arguments as the agent wrote them.</summary>
internal sealed record ToolCallView(string Id, string Name, string Arguments);

/// <summary>One generated token: its id and, when recorded, its log-probability.</summary>
internal sealed record TokenView(int Id, float? LogProb);

/// <summary>One step: the agent's message, what the environment answered, the reward and the times.</summary>
internal sealed record StepView(int Index, MessageView Action, IReadOnlyList<MessageView> Observation, double Reward, double AgentMs, double EnvironmentMs,
    IReadOnlyDictionary<string, string> Info);

/// <summary>Everything the episode page shows about one episode.</summary>
internal sealed record EpisodeView(string Log, EpisodeSummary Summary, IReadOnlyList<MessageView> Prompt, IReadOnlyList<ToolSpecView> Tools,
    IReadOnlyList<StepView> Steps, IReadOnlyDictionary<string, double>? Scores, double? BreakdownTotal, string? RewardMode,
    string? Error, JsonObject Provenance)
{
    private static readonly HashSet<string> Shown = new(StringComparer.Ordinal)
    {
        "episode_id", "run_id", "group_id", "environment_id", "environment_version", "task_id", "seed", "agent_id", "policy_version",
        "prompt", "tools", "steps", "total_reward", "reward_mode", "breakdown", "termination", "truncation_reason", "error",
        "started_at", "duration_ms", "tool_error_count", "malformed_count", "assistant_tokens",
    };

    /// <summary>The view of <paramref name="t"/>, the episode <paramref name="summary"/> describes in log <paramref name="log"/>.</summary>
    public static EpisodeView Create(string log, EpisodeSummary summary, Trajectory t) => new(
        log,
        Row(summary),
        [.. t.Prompt.Select(Message)],
        [.. t.Tools.Select(tool => new ToolSpecView(E(tool.Name), E(tool.Description), E(tool.ParametersSchemaJson)))],
        [.. t.Steps.Select(s => new StepView(s.Index, Message(s.Action), [.. s.Observation.Select(Message)], s.Reward, s.AgentMs, s.EnvironmentMs,
            s.Info.ToDictionary(i => E(i.Key), i => E(i.Value))))],
        t.Breakdown?.Scores.ToDictionary(s => E(s.Key), s => s.Value),
        t.Breakdown?.Total,
        t.RewardMode?.ToString().ToLowerInvariant(),
        t.Error is { } error ? E($"{error.Boundary.ToString().ToLowerInvariant()} · {error.Type}: {error.Message}") : null,
        OtherFields(t));

    /// <summary>A row of the episodes table: the summary with its text escaped.</summary>
    public static EpisodeSummary Row(EpisodeSummary summary) => summary with
    {
        EpisodeId = E(summary.EpisodeId), EnvironmentId = E(summary.EnvironmentId), TaskId = E(summary.TaskId), AgentId = E(summary.AgentId),
        RunId = E(summary.RunId), GroupId = E(summary.GroupId), EnvironmentVersion = E(summary.EnvironmentVersion),
        ErrorType = summary.ErrorType is null ? null : E(summary.ErrorType),
        TruncationReason = summary.TruncationReason is null ? null : E(summary.TruncationReason),
    };

    /// <summary>
    /// Every recorded field the page does not show elsewhere (provenance: versions, hashes, limits, the agent's description, a
    /// fork's parent…), as recorded, strings escaped: new fields show up here without the viewer knowing them.
    /// </summary>
    private static JsonObject OtherFields(Trajectory t)
    {
        var all = JsonSerializer.SerializeToNode(t, TrajectoryJson.Options)!.AsObject();
        var rest = new JsonObject();
        foreach (var (key, value) in all)
            if (!Shown.Contains(key) && value is not null) rest[E(key)] = Escaped(value.DeepClone());
        return rest;
    }

    private static JsonNode Escaped(JsonNode node)
    {
        switch (node)
        {
            case JsonObject o:
                var copy = new JsonObject();
                foreach (var (k, v) in o) copy[E(k)] = v is null ? null : Escaped(v.DeepClone());
                return copy;
            case JsonArray a:
                return new JsonArray([.. a.Select(v => v is null ? null : Escaped(v.DeepClone()))]);
            case JsonValue v when v.TryGetValue<string>(out var s):
                return JsonValue.Create(E(s));
            default:
                return node;
        }
    }

    private static MessageView Message(Message m)
    {
        var content = DisplayText.Escape(m.Content, out var escaped);
        var calls = m.ToolCalls.Select(c =>
        {
            var arguments = DisplayText.Escape(c.ArgumentsJson, out var e);
            escaped |= e;
            return new ToolCallView(E(c.Id), E(c.Name), arguments);
        }).ToList();
        IReadOnlyList<TokenView>? tokens = m.TokenIds is { Count: > 0 } ids
            ? [.. ids.Select((id, i) => new TokenView(id, m.LogProbs is { } lp && i < lp.Count ? lp[i] : null))]
            : null;
        return new MessageView(m.Role.ToString().ToLowerInvariant(), content, escaped, calls, m.ToolCallId is null ? null : E(m.ToolCallId),
            m.Name is null ? null : E(m.Name), m.Malformed, m.IsError, tokens, m.PolicyVersion, m.ReasoningTokens);
    }

    private static string E(string text) => DisplayText.Escape(text);
}

/// <summary>A tool that was on offer.</summary>
internal sealed record ToolSpecView(string Name, string Description, string Parameters);
