namespace Forge.Host.Scenarios;

/// <summary>"Did you mean …?" for a misspelt name: the closest candidate by edit distance, when it is close enough.</summary>
internal static class Suggestions
{
    /// <summary>" Did you mean `x`?" or an empty string.</summary>
    public static string DidYouMean(string name, IEnumerable<string> candidates)
    {
        var best = Closest(name, candidates);
        return best is null ? "" : $" Did you mean `{best}`?";
    }

    /// <summary>The candidate closest to <paramref name="name"/>, or null when none is within a third of its length (at least 2 edits).</summary>
    public static string? Closest(string name, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = Distance(name.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (distance < bestDistance) (best, bestDistance) = (candidate, distance);
        }
        return bestDistance <= Math.Max(2, name.Length / 3) ? best : null;
    }

    /// <summary>Levenshtein distance.</summary>
    internal static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
