using System.Globalization;
using System.Text.RegularExpressions;

namespace Forge.Core.Rewards;

/// <summary>
/// 1 when the last number in the final answer is within an absolute or relative tolerance of the expected value, else 0.
/// Thousands separators are ignored (<c>1,234</c> reads as 1234). With <c>marker</c> (like <c>"Answer:"</c>) only the last
/// line that starts with it counts, and an answer without such a line scores 0: numbers the agent merely repeats (the
/// question's, a tool's, the instructions') can't pass for its answer.
/// </summary>
public sealed class NumericTolerance<TTask>(Func<RewardContext<TTask>, double> expected, double weight = 1.0, double absoluteTolerance = 1e-6, double relativeTolerance = 1e-6,
    string name = "numeric_tolerance", string? marker = null)
    : RewardFunction<TTask>(name, weight) where TTask : IEnvironmentTask
{
    /// <inheritdoc />
    public override ValueTask<double> Score(RewardContext<TTask> context)
    {
        var answer = context.FinalAnswer;
        if (marker is not null)
            answer = answer?.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith(marker, StringComparison.OrdinalIgnoreCase))?[marker.Length..];
        var value = NumericTolerance.LastNumber(answer);
        if (value is not double v) return ValueTask.FromResult(0.0);
        var want = expected(context);
        var close = Math.Abs(v - want) <= Math.Max(absoluteTolerance, relativeTolerance * Math.Abs(want));
        return ValueTask.FromResult(close ? 1.0 : 0.0);
    }
}

/// <summary>Reading numbers out of answers, as <see cref="NumericTolerance{TTask}"/> does.</summary>
public static partial class NumericTolerance
{
    /// <summary>The last number written in <paramref name="text"/>, or null when there is none.</summary>
    public static double? LastNumber(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        var matches = Number().Matches(text);
        for (var i = matches.Count - 1; i >= 0; i--)
            if (double.TryParse(matches[i].Value.Replace(",", ""), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
                return d;
        return null;
    }

    [GeneratedRegex(@"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")]
    private static partial Regex Number();
}
