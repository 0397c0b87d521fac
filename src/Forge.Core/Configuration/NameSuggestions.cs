namespace Forge.Core.Configuration;

/// <summary>"Did you mean …?": the candidate closest to a misspelt name, by prefix or by edit distance.</summary>
public static class NameSuggestions
{
    /// <summary>The best candidate for <paramref name="name"/>, or null when none is close enough to be a plausible typo.</summary>
    public static string? Closest(string name, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestScore = int.MaxValue;
        foreach (var candidate in candidates.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var score = Score(name, candidate);
            if (score < bestScore) (best, bestScore) = (candidate, score);
        }
        return best is not null && bestScore <= Math.Max(2, Math.Max(name.Length, best.Length) / 3) ? best : null;
    }

    /// <summary>" Did you mean `x`?" or an empty string, to append to an error message.</summary>
    public static string DidYouMean(string name, IEnumerable<string> candidates, string quote = "`") =>
        Closest(name, candidates) is { } best ? $" Did you mean {quote}{best}{quote}?" : "";

    private static int Score(string name, string candidate)
    {
        if (string.Equals(name, candidate, StringComparison.OrdinalIgnoreCase)) return 0;
        // A prefix of a longer name ("math/arith" for "math/arithmetic") is as good as one typo.
        if (name.Length >= 3 && candidate.StartsWith(name, StringComparison.OrdinalIgnoreCase)) return 1;
        return Levenshtein(name.ToLowerInvariant(), candidate.ToLowerInvariant());
    }

    internal static int Levenshtein(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
