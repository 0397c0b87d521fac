namespace Forge.Training.Rl;

/// <summary>Splits sequences into micro-batches whose padded size (rows × longest row) stays within a token budget.</summary>
public static class MicroBatches
{
    /// <summary>
    /// Groups the indices of <paramref name="lengths"/>, sorted by length so that padding is small, into micro-batches of at
    /// most <paramref name="tokenBudget"/> padded tokens. A sequence longer than the budget gets a micro-batch of its own.
    /// </summary>
    public static IReadOnlyList<int[]> Plan(IReadOnlyList<int> lengths, int tokenBudget)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        var order = Enumerable.Range(0, lengths.Count).OrderBy(i => lengths[i]).ThenBy(i => i).ToArray();
        var batches = new List<int[]>();
        var current = new List<int>();
        var longest = 0;
        foreach (var i in order)
        {
            var width = Math.Max(longest, lengths[i]);
            if (current.Count > 0 && (current.Count + 1) * width > tokenBudget)
            {
                batches.Add([.. current]);
                current.Clear();
                width = lengths[i];
            }
            current.Add(i);
            longest = width;
        }
        if (current.Count > 0) batches.Add([.. current]);
        return batches;
    }
}
