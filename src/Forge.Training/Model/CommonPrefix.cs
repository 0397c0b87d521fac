namespace Forge.Training.Model;

/// <summary>The leading tokens a batch's rows have in common (an agent's system prompt and tool list), which a model can run once.</summary>
internal static class CommonPrefix
{
    /// <summary>How many leading ids all <paramref name="rows"/> share, at most <paramref name="atMost"/> (0 for no rows).</summary>
    public static int Length(IReadOnlyList<IReadOnlyList<int>> rows, int atMost)
    {
        if (rows.Count == 0) return 0;
        var first = rows[0];
        var length = Math.Min(atMost, rows.Min(r => r.Count));
        for (var i = 1; i < rows.Count && length > 0; i++)
        {
            var row = rows[i];
            var same = 0;
            while (same < length && row[same] == first[same]) same++;
            length = same;
        }
        return Math.Max(0, length);
    }
}
