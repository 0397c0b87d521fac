using System.Globalization;
using System.Text.RegularExpressions;

namespace Forge.Core.Rewards;

/// <summary>
/// Reads a judge's reply. Pass/fail scales take the last PASS or FAIL; 0–N scales take the last <c>Score: k</c> (or
/// <c>k/N</c>, or a reply that is only a number). Anything else, or a score outside 0–N, is no verdict: null.
/// </summary>
public static partial class JudgeVerdict
{
    /// <summary>The score in [0, 1] the reply gives on a scale topped by <paramref name="scaleMax"/>, or null when it gives none.</summary>
    public static double? Parse(string? reply, int scaleMax)
    {
        if (string.IsNullOrWhiteSpace(reply)) return null;
        if (scaleMax == 1)
        {
            var words = PassFail().Matches(reply);
            return words.Count == 0 ? null : words[^1].Value.ToUpperInvariant() is "PASS" or "PASSED" ? 1 : 0;
        }
        var scores = Score().Matches(reply);
        var text = scores.Count > 0 ? scores[^1].Groups["k"].Value : BareNumber().Match(reply) is { Success: true } bare ? bare.Groups["k"].Value : null;
        if (text is null || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var k)) return null;
        if (scores.Count > 0 && scores[^1].Groups["n"].Success && scores[^1].Groups["n"].Value != scaleMax.ToString(CultureInfo.InvariantCulture)) return null;
        return k is >= 0 && k <= scaleMax ? k / scaleMax : null;
    }

    /// <summary>
    /// The score in [0, 1] that a reply's first-token probabilities give (<see cref="JudgeMode.Logprobs"/>, as G-Eval weighs
    /// them). On a pass/fail scale: P(yes) / (P(yes) + P(no)), where a token counts for "yes" when its text (trimmed, any case)
    /// begins "yes" — "y", "Ye", " YES" — and likewise for "no". On a 0–N scale: the expected digit over the digits 0–N among
    /// the alternatives, divided by N. Null when no alternative is a verdict.
    /// </summary>
    public static double? FromLogprobs(IReadOnlyList<JudgeLogprob>? alternatives, int scaleMax)
    {
        if (alternatives is null) return null;
        double mass = 0, weighted = 0;
        foreach (var (token, logprob) in alternatives)
        {
            var text = token.Trim().ToLowerInvariant();
            if (text.Length == 0 || !double.IsFinite(logprob)) continue;
            double? value = scaleMax == 1
                ? "yes".StartsWith(text, StringComparison.Ordinal) ? 1 : "no".StartsWith(text, StringComparison.Ordinal) ? 0 : null
                : text.Length == 1 && char.IsAsciiDigit(text[0]) && text[0] - '0' <= scaleMax ? text[0] - '0' : null;
            if (value is not { } v) continue;
            var p = Math.Exp(logprob);
            mass += p;
            weighted += p * v;
        }
        return mass > 0 ? weighted / mass / scaleMax : null;
    }

    [GeneratedRegex(@"\b(PASS(?:ED)?|FAIL(?:ED)?)\b", RegexOptions.IgnoreCase)]
    private static partial Regex PassFail();

    [GeneratedRegex(@"score\**\s*[:=]\s*\**\s*(?<k>\d+(?:\.\d+)?)(?:\s*/\s*(?<n>\d+))?", RegexOptions.IgnoreCase)]
    private static partial Regex Score();

    [GeneratedRegex(@"^\s*(?<k>\d+(?:\.\d+)?)\s*\.?\s*$")]
    private static partial Regex BareNumber();
}
