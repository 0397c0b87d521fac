using System.Collections.Concurrent;
using System.Text;

namespace Forge.Training.Tokenization.HuggingFace;

/// <summary>
/// Hugging Face's BPE model: a word starts as one symbol per character (or per UTF-8 byte, as <c>&lt;0xNN&gt;</c>, when a
/// character is not in the vocabulary and <c>byte_fallback</c> is on), then the adjacent pair with the lowest merge
/// rank is merged, leftmost first, until no pair has a merge. <c>ignore_merges</c> takes a word that is itself in the
/// vocabulary as one token. Results are cached per word.
/// </summary>
internal sealed class BpeModel
{
    private const int CacheCapacity = 50_000;
    private const int CachedWordMaxLength = 256;

    private readonly Dictionary<string, int> vocab;
    private readonly Dictionary<long, (int Rank, int Id)> merges; // key: (left id, right id)
    private readonly int? unkId;
    private readonly ConcurrentDictionary<string, int[]> cache = new(StringComparer.Ordinal);
    private readonly int[]? byteIds;

    public BpeModel(Dictionary<string, int> vocab, Dictionary<long, (int Rank, int Id)> merges, int? unkId, bool fuseUnk, bool byteFallback, bool ignoreMerges)
    {
        this.vocab = vocab;
        this.merges = merges;
        this.unkId = unkId;
        FuseUnk = fuseUnk;
        IgnoreMerges = ignoreMerges;
        if (byteFallback)
        {
            byteIds = new int[256];
            for (var b = 0; b < 256; b++)
                byteIds[b] = vocab.TryGetValue($"<0x{b:X2}>", out var id) ? id : -1;
        }
    }

    public bool FuseUnk { get; }

    public bool IgnoreMerges { get; }

    public IReadOnlyDictionary<string, int> Vocab => vocab;

    public static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>Appends the ids of <paramref name="word"/> to <paramref name="ids"/>.</summary>
    public void Encode(string word, List<int> ids)
    {
        if (word.Length == 0)
            return;
        if (IgnoreMerges && vocab.TryGetValue(word, out var whole))
        {
            ids.Add(whole);
            return;
        }
        if (cache.TryGetValue(word, out var cached))
        {
            ids.AddRange(cached);
            return;
        }
        var result = Merge(InitialSymbols(word));
        if (word.Length <= CachedWordMaxLength)
        {
            if (cache.Count >= CacheCapacity)
                cache.Clear();
            cache.TryAdd(word, result);
        }
        ids.AddRange(result);
    }

    private List<int> InitialSymbols(string word)
    {
        var symbols = new List<int>(word.Length);
        var lastWasUnk = false;
        for (var i = 0; i < word.Length; i++)
        {
            var length = char.IsHighSurrogate(word[i]) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1]) ? 2 : 1;
            var piece = word.Substring(i, length);
            i += length - 1;
            if (vocab.TryGetValue(piece, out var id))
            {
                symbols.Add(id);
                lastWasUnk = false;
                continue;
            }
            if (byteIds is not null)
            {
                var bytes = Encoding.UTF8.GetBytes(piece);
                if (bytes.All(b => byteIds[b] >= 0))
                {
                    foreach (var b in bytes)
                        symbols.Add(byteIds[b]);
                    lastWasUnk = false;
                    continue;
                }
            }
            if (unkId is not { } unk)
                continue; // Hugging Face drops a character it cannot represent when there is no unknown token
            if (!(FuseUnk && lastWasUnk))
                symbols.Add(unk);
            lastWasUnk = true;
        }
        return symbols;
    }

    // Lowest rank first, leftmost on ties; a doubly linked list over the symbols, stale queue entries skipped.
    private int[] Merge(List<int> symbols)
    {
        var n = symbols.Count;
        if (n < 2 || merges.Count == 0)
            return [.. symbols];
        var id = symbols.ToArray();
        var prev = new int[n];
        var next = new int[n];
        var alive = new bool[n];
        for (var i = 0; i < n; i++)
        {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            alive[i] = true;
        }
        var queue = new PriorityQueue<(int Pos, int Right, int NewId), (int Rank, int Pos)>();
        void Offer(int left)
        {
            var right = next[left];
            if (right >= 0 && merges.TryGetValue(PairKey(id[left], id[right]), out var merge))
                queue.Enqueue((left, right, merge.Id), (merge.Rank, left));
        }
        for (var i = 0; i + 1 < n; i++)
            Offer(i);

        while (queue.TryDequeue(out var top, out _))
        {
            var (left, right, newId) = top;
            // Stale when either side was merged away or changed since this entry was queued.
            if (!alive[left] || next[left] != right || !alive[right])
                continue;
            if (!merges.TryGetValue(PairKey(id[left], id[right]), out var current) || current.Id != newId)
                continue;
            id[left] = newId;
            alive[right] = false;
            next[left] = next[right];
            if (next[right] >= 0)
                prev[next[right]] = left;
            if (prev[left] >= 0)
                Offer(prev[left]);
            Offer(left);
        }

        var result = new List<int>(n);
        for (var i = 0; i >= 0; i = next[i])
            result.Add(id[i]);
        return [.. result];
    }
}
