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

    [GeneratedRegex(@"\b(PASS(?:ED)?|FAIL(?:ED)?)\b", RegexOptions.IgnoreCase)]
    private static partial Regex PassFail();

    [GeneratedRegex(@"score\**\s*[:=]\s*\**\s*(?<k>\d+(?:\.\d+)?)(?:\s*/\s*(?<n>\d+))?", RegexOptions.IgnoreCase)]
    private static partial Regex Score();

    [GeneratedRegex(@"^\s*(?<k>\d+(?:\.\d+)?)\s*\.?\s*$")]
    private static partial Regex BareNumber();
}
