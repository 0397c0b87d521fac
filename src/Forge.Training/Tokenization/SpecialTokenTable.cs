namespace Forge.Training.Tokenization;

/// <summary>Special tokens of one tokenizer: ids both ways, and splitting text at their literal occurrences.</summary>
internal sealed class SpecialTokenTable
{
    private readonly Dictionary<string, int> idsByText;
    private readonly Dictionary<int, string> textById;
    private readonly string[] longestFirst;

    public SpecialTokenTable(IEnumerable<KeyValuePair<string, int>> tokens)
    {
        idsByText = new Dictionary<string, int>(StringComparer.Ordinal);
        textById = [];
        foreach (var (text, id) in tokens)
        {
            if (string.IsNullOrEmpty(text))
                throw new ArgumentException("special tokens must be non-empty strings.");
            if (!idsByText.TryAdd(text, id))
                throw new ArgumentException($"special token '{text}' is listed twice.");
            textById.Add(id, text);
        }
        longestFirst = [.. idsByText.Keys.OrderByDescending(t => t.Length).ThenBy(t => t, StringComparer.Ordinal)];
    }

    public IReadOnlyDictionary<string, int> IdsByText => idsByText;

    public bool TryGetText(int id, out string text) => textById.TryGetValue(id, out text!);

    public int IdOf(string token) => idsByText.TryGetValue(token, out var id)
        ? id
        : throw new KeyNotFoundException($"special token '{token}' is not in this tokenizer; it has: {string.Join(", ", idsByText.Keys)}.");

    /// <summary>Splits text into plain segments and special tokens (leftmost match, longest token first at a position).</summary>
    public IEnumerable<(string? Plain, int? SpecialId)> Split(string text)
    {
        var start = 0;
        while (start < text.Length)
        {
            var (at, token) = NextSpecial(text, start);
            if (token is null)
            {
                yield return (text[start..], null);
                yield break;
            }
            if (at > start)
                yield return (text[start..at], null);
            yield return (null, idsByText[token]);
            start = at + token.Length;
        }
    }

    private (int At, string? Token) NextSpecial(string text, int from)
    {
        var bestAt = -1;
        string? best = null;
        foreach (var token in longestFirst)
        {
            var at = text.IndexOf(token, from, StringComparison.Ordinal);
            if (at >= 0 && (bestAt < 0 || at < bestAt))
            {
                bestAt = at;
                best = token;
            }
        }
        return (bestAt, best);
    }
}
