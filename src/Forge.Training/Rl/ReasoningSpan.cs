using Forge.Core;
using Forge.Training.Tokenization;

namespace Forge.Training.Rl;

/// <summary>
/// Counts the generated token ids that lie inside a message's <c>&lt;think&gt;…&lt;/think&gt;</c> block: those after the
/// tokens that complete <see cref="ThinkBlock.Open"/> (from the start when the prompt opened the block) and before the
/// token that begins <see cref="ThinkBlock.Close"/>. Tags may be single special tokens (Qwen3) or spelled out in several
/// (the byte tokenizer); prefixes of the ids are decoded, with a binary search, to find where each tag lies.
/// </summary>
internal static class ReasoningSpan
{
    /// <summary>Reasoning tokens in <paramref name="ids"/> (whose decoded text is <paramref name="text"/>), or null when the text closes no think block.</summary>
    public static int? Count(ITokenizer tokenizer, IReadOnlyList<int> ids, string text)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(text);
        var close = text.LastIndexOf(ThinkBlock.Close, StringComparison.Ordinal);
        if (close < 0) return null;
        var open = text[..close].LastIndexOf(ThinkBlock.Open, StringComparison.Ordinal);
        // First token count whose text reaches past the open tag; the last one whose text ends before the close tag begins.
        var start = open < 0 ? 0 : First(ids.Count, n => Decoded(tokenizer, ids, n) >= open + ThinkBlock.Open.Length);
        var end = First(ids.Count, n => Decoded(tokenizer, ids, n) > close) - 1;
        return Math.Max(0, end - start);
    }

    private static int Decoded(ITokenizer tokenizer, IReadOnlyList<int> ids, int n) => tokenizer.Decode(ids.Take(n)).Length;

    /// <summary>The smallest n in [0, count] where the monotone <paramref name="reached"/> holds (count when it never does).</summary>
    private static int First(int count, Func<int, bool> reached)
    {
        int lo = 0, hi = count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (reached(mid)) hi = mid;
            else lo = mid + 1;
        }
        return lo;
    }
}
