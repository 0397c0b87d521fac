using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Forge.Core;

namespace Forge.Host.Checking;

/// <summary>One step as the checker saw it: the action sent and what came back.</summary>
internal sealed record StepRecord(Message Action, StepResult Result);

/// <summary>Everything one episode produced, comparable line by line with another run of the same seed and task.</summary>
internal sealed record EpisodeRecord(IEnvironmentTask Task, int Seed, string Agent, ResetResult Reset, EnvironmentInfo Info, IReadOnlyList<StepRecord> Steps)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The last step's result (the episode must have at least one step).</summary>
    public StepResult Last => Steps[^1].Result;

    /// <summary>The sum of the steps' rewards: what a trainer sees.</summary>
    public double TotalReward => Steps.Sum(s => s.Result.Reward);

    /// <summary>"seed 1, task 'a' (solver)", for messages.</summary>
    public string Label => $"seed {Seed}, task '{Task.Id}' ({Agent})";

    /// <summary>The episode as text lines: tools, prompt, then each action, observation and result.</summary>
    public IReadOnlyList<string> Transcript()
    {
        var lines = new List<string>();
        foreach (var tool in Reset.Tools) lines.Add($"tool: {Serialize(tool)}");
        for (var i = 0; i < Reset.Observation.Count; i++) lines.Add($"prompt[{i}]: {Serialize(Reset.Observation[i])}");
        for (var s = 0; s < Steps.Count; s++)
        {
            var (action, result) = Steps[s];
            lines.Add($"step {s} action: {Serialize(action)}");
            for (var i = 0; i < result.Observation.Count; i++) lines.Add($"step {s} observation[{i}]: {Serialize(result.Observation[i])}");
            lines.Add($"step {s} result: reward={result.Reward.ToString("R", CultureInfo.InvariantCulture)} terminated={result.Terminated} truncated={result.Truncated} " +
                $"reason={result.TruncationReason} breakdown={Serialize(result.Breakdown)} info={Serialize(result.Info)}");
        }
        return lines;
    }

    /// <summary>Where <paramref name="other"/> first differs from this episode, or null when they are identical.</summary>
    public string? FirstDifference(EpisodeRecord other)
    {
        var mine = Transcript();
        var theirs = other.Transcript();
        for (var i = 0; i < Math.Max(mine.Count, theirs.Count); i++)
        {
            var a = i < mine.Count ? mine[i] : "(episode ended)";
            var b = i < theirs.Count ? theirs[i] : "(episode ended)";
            if (a != b) return $"{Around(a, b)} vs {Around(b, a)}";
        }
        return null;
    }

    // Shows a line from a little before the first character where it differs from the other.
    private static string Around(string line, string other)
    {
        var at = 0;
        while (at < line.Length && at < other.Length && line[at] == other[at]) at++;
        var label = line.IndexOf(": ", StringComparison.Ordinal) is var colon and > 0 ? line[..colon] + ": " : "";
        var start = Math.Max(label.Length, at - 30);
        var text = line[start..Math.Min(line.Length, at + 50)];
        return $"`{label}{(start > label.Length ? "…" : "")}{text}{(at + 50 < line.Length ? "…" : "")}`";
    }

    private static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Json);
}
