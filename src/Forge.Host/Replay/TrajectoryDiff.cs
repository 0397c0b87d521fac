using System.Globalization;
using Forge.Core;

namespace Forge.Host.Replay;

/// <summary>Where two runs of one episode first differ.</summary>
/// <param name="Step">The step, or null for the opening (tools and prompt).</param>
/// <param name="What">What differed: <c>tools</c>, <c>observation</c>, <c>action</c>, <c>reward</c>, <c>info</c>, <c>end</c>, <c>error</c>, or <c>reward component NAME</c>.</param>
/// <param name="Expected">The first run's value (the recording), in words.</param>
/// <param name="Actual">The second run's value (the rerun), in words.</param>
public sealed record TrajectoryDivergence(int? Step, string What, string Expected, string Actual)
{
    /// <summary>"step 2: observation" or "reset: observation".</summary>
    public string Where => Step is { } step ? $"step {step}" : "reset";

    /// <inheritdoc />
    public override string ToString() => $"{Where}: {What}: `{Expected}` vs `{Actual}`";
}

/// <summary>
/// The one comparison of two runs of an episode, used by the checker (same seed ⇒ same episode) and by replay (does the
/// environment still do what it did when the episode was recorded): tools, prompt, then each step's action, observation,
/// reward and info, then how the episode ended and the rubric's breakdown. Ids, timings, agents and provenance are not compared.
/// </summary>
public static class TrajectoryDiff
{
    private const double RewardTolerance = 1e-9;

    /// <summary>The first difference between <paramref name="expected"/> and <paramref name="actual"/>, or null when they match.</summary>
    public static TrajectoryDivergence? FirstDifference(Trajectory expected, Trajectory actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        if (Messages(expected.Tools.Select(Describe).ToList(), actual.Tools.Select(Describe).ToList(), "tool") is { } tools)
            return new(null, "tools", tools.Expected, tools.Actual);
        if (Messages(expected.Prompt, actual.Prompt) is { } prompt)
            return new(null, "observation", prompt.Expected, prompt.Actual);

        for (var i = 0; i < Math.Min(expected.Steps.Count, actual.Steps.Count); i++)
        {
            var (a, b) = (expected.Steps[i], actual.Steps[i]);
            if (Describe(a.Action) is var actionA && Describe(b.Action) is var actionB && actionA != actionB)
                return new(i, "action", actionA, actionB);
            if (Messages(a.Observation, b.Observation) is { } observation)
                return new(i, "observation", observation.Expected, observation.Actual);
            if (Math.Abs(a.Reward - b.Reward) > RewardTolerance)
            {
                // On the last step the reward holds the rubric's total: name the component that moved it.
                var lastStep = i == expected.Steps.Count - 1 && i == actual.Steps.Count - 1;
                if (lastStep && Components(expected.Breakdown, actual.Breakdown, i) is { } component) return component;
                return new(i, "reward", Number(a.Reward), Number(b.Reward));
            }
            if (Describe(a.Info) is var infoA && Describe(b.Info) is var infoB && infoA != infoB)
                return new(i, "info", infoA, infoB);
        }
        if (expected.Steps.Count != actual.Steps.Count)
        {
            var at = Math.Min(expected.Steps.Count, actual.Steps.Count);
            return new(at, "end", Length(expected, at), Length(actual, at));
        }

        var last = expected.Steps.Count > 0 ? expected.Steps.Count - 1 : (int?)null;
        if (End(expected) is var endA && End(actual) is var endB && endA != endB)
            return new(last, "end", endA, endB);
        if (expected.Error is { } errorA && actual.Error is { } errorB && Describe(errorA) != Describe(errorB))
            return new(errorA.Step ?? last, "error", Describe(errorA), Describe(errorB));
        if (Components(expected.Breakdown, actual.Breakdown, last) is { } difference) return difference;
        if ((expected.Breakdown is null) != (actual.Breakdown is null))
            return new(last, "end", expected.Breakdown is null ? "not scored" : "scored", actual.Breakdown is null ? "not scored" : "scored");
        return null;
    }

    /// <summary>The first reward component (or the success flag) that differs between two breakdowns.</summary>
    private static TrajectoryDivergence? Components(RewardBreakdown? expected, RewardBreakdown? actual, int? step)
    {
        if (expected is null || actual is null) return null;
        foreach (var name in expected.Scores.Keys.Union(actual.Scores.Keys))
        {
            var (hasA, hasB) = (expected.Scores.TryGetValue(name, out var scoreA), actual.Scores.TryGetValue(name, out var scoreB));
            if (hasA != hasB || Math.Abs(scoreA - scoreB) > RewardTolerance)
                return new(step, $"reward component {name}", hasA ? Number(scoreA) : "(none)", hasB ? Number(scoreB) : "(none)");
        }
        if (Math.Abs(expected.Total - actual.Total) > RewardTolerance)
            return new(step, "reward total", Number(expected.Total), Number(actual.Total));
        return expected.Success != actual.Success ? new(step, "success", expected.Success.ToString(), actual.Success.ToString()) : null;
    }

    /// <summary>How a message reads in a divergence: role, tool name and call id, content, calls, flags.</summary>
    public static string Describe(Message m)
    {
        ArgumentNullException.ThrowIfNull(m);
        var who = m.Role == Role.Tool ? $"tool {m.Name} ({m.ToolCallId}){(m.IsError ? " error" : "")}" : m.Role.ToString().ToLowerInvariant();
        var calls = m.ToolCalls.Count == 0 ? "" : " calls " + string.Join(", ", m.ToolCalls.Select(c => $"{c.Name}({c.ArgumentsJson}) [{c.Id}]"));
        return $"{who}{(m.Malformed ? " malformed" : "")}: \"{m.Content}\"{calls}";
    }

    private static (string Expected, string Actual)? Messages(IReadOnlyList<Message> expected, IReadOnlyList<Message> actual) =>
        Messages(expected.Select(Describe).ToList(), actual.Select(Describe).ToList(), "message");

    private static (string Expected, string Actual)? Messages(IReadOnlyList<string> expected, IReadOnlyList<string> actual, string noun)
    {
        for (var i = 0; i < Math.Max(expected.Count, actual.Count); i++)
        {
            var a = i < expected.Count ? expected[i] : $"(no {noun})";
            var b = i < actual.Count ? actual[i] : $"(no {noun})";
            if (a != b) return ($"{noun} {i}: {a}", $"{noun} {i}: {b}");
        }
        return null;
    }

    private static string Length(Trajectory t, int at) =>
        t.Steps.Count > at ? "the episode goes on" : $"the episode ended ({End(t)}) after {t.Steps.Count} step{(t.Steps.Count == 1 ? "" : "s")}";

    private static string End(Trajectory t) => t.Termination switch
    {
        Termination.Truncated => $"truncated: {t.TruncationReason}",
        Termination.Errored when t.Error is { } e => $"errored at the {e.Boundary.ToString().ToLowerInvariant()} boundary",
        var other => other.ToString().ToLowerInvariant(),
    };

    private static string Describe(EpisodeError e) => $"{e.Boundary.ToString().ToLowerInvariant()}: {e.Type}: {e.Message}";

    private static string Describe(ToolSpec t) => $"{t.Name}: {t.Description} {t.ParametersSchemaJson}";

    private static string Describe(IReadOnlyDictionary<string, string> info) =>
        string.Join(", ", info.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));

    internal static string Number(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}
