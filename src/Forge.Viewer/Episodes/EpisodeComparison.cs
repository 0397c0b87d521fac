using System.Globalization;
using Forge.Core;
using Forge.Host.Recording;

namespace Forge.Viewer.Episodes;

/// <summary>Where two episodes first differ: a step (null for the opening prompt), what differed there, and both sides in words.</summary>
internal sealed record Divergence(int? Step, string What, string Left, string Right);

/// <summary>
/// Finds the first place two recorded episodes part ways, in the order a person reads them: the prompt, then step by step the
/// agent's message (text, tool calls), the environment's answer, the step's reward; then the end (one episode goes on longer).
/// </summary>
internal static class EpisodeComparison
{
    public static Divergence? FirstDivergence(Trajectory left, Trajectory right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        if (Difference(left.Prompt, right.Prompt) is { } prompt) return new Divergence(null, "prompt", prompt.Left, prompt.Right);
        var common = Math.Min(left.Steps.Count, right.Steps.Count);
        for (var i = 0; i < common; i++)
        {
            Step a = left.Steps[i], b = right.Steps[i];
            if (Difference([a.Action], [b.Action]) is { } action) return new Divergence(i, "action", action.Left, action.Right);
            if (Difference(a.Observation, b.Observation) is { } observation) return new Divergence(i, "observation", observation.Left, observation.Right);
            if (a.Reward != b.Reward) return new Divergence(i, "reward", Num(a.Reward), Num(b.Reward));
        }
        if (left.Steps.Count != right.Steps.Count)
            return new Divergence(common, "end", Ended(left, common), Ended(right, common));
        if (left.Termination != right.Termination || left.TruncationReason != right.TruncationReason)
            return new Divergence(null, "termination", Termination(left), Termination(right));
        return left.TotalReward != right.TotalReward ? new Divergence(null, "total reward", Num(left.TotalReward), Num(right.TotalReward)) : null;
    }

    private static (string Left, string Right)? Difference(IReadOnlyList<Message> left, IReadOnlyList<Message> right)
    {
        for (var i = 0; i < Math.Max(left.Count, right.Count); i++)
        {
            var a = i < left.Count ? Describe(left[i]) : "(no message)";
            var b = i < right.Count ? Describe(right[i]) : "(no message)";
            if (a != b) return (a, b);
        }
        return null;
    }

    private static string Describe(Message m)
    {
        var calls = string.Concat(m.ToolCalls.Select(c => $" → {c.Name} {c.ArgumentsJson}"));
        var flags = (m.IsError ? " [error]" : "") + (m.Malformed ? " [malformed]" : "");
        return DisplayText.Escape($"{m.Role.ToString().ToLowerInvariant()}{flags}: {m.Content}{calls}");
    }

    private static string Ended(Trajectory t, int step) =>
        t.Steps.Count > step ? $"goes on to {t.Steps.Count} steps" : $"ended after {t.Steps.Count} steps ({Termination(t)})";

    private static string Termination(Trajectory t) =>
        t.Termination.ToString().ToLowerInvariant() + (t.TruncationReason is { } r ? $" ({DisplayText.Escape(r)})" : "");

    private static string Num(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
