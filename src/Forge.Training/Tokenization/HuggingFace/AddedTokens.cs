namespace Forge.Training.Tokenization.HuggingFace;

/// <summary>An entry of tokenizer.json's <c>added_tokens</c>: text matched before the model sees the rest.</summary>
internal sealed record AddedToken(int Id, string Content, bool Special, bool SingleWord, bool LStrip, bool RStrip, bool Normalized)
{
    public static AddedToken From(JsonNode node)
    {
        var content = node.Required("content").String();
        if (content.Length == 0)
            throw node.Required("content").Error("an added token may not be empty.");
        var special = node.OptionalBool("special", false);
        var id = node.Required("id").Int();
        if (id is < 0 or > TokenizerJsonFile.MaxId)
            throw node.Required("id").Error($"expected an id from 0 to {TokenizerJsonFile.MaxId}.");
        return new AddedToken(
            id, content, special,
            node.OptionalBool("single_word", false), node.OptionalBool("lstrip", false), node.OptionalBool("rstrip", false),
            node.OptionalBool("normalized", !special));
    }
}

/// <summary>
/// Finds added tokens in text as Hugging Face does: leftmost match, longest at that position, non-overlapping; then drops
/// the matches that may not count (special tokens when they are to be read as text, a <c>single_word</c> token inside a
/// word) and widens <c>lstrip</c>/<c>rstrip</c> matches over the whitespace beside them.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private sealed class Node
    {
        public Dictionary<char, Node>? Next;
        public AddedToken? Token;
    }

    private readonly Node root = new();

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens)
    {
        foreach (var token in tokens)
        {
            var node = root;
            foreach (var c in token.Content)
            {
                node.Next ??= [];
                if (!node.Next.TryGetValue(c, out var child))
                    node.Next[c] = child = new Node();
                node = child;
            }
            node.Token ??= token;
            IsEmpty = false;
        }
    }

    public bool IsEmpty { get; } = true;

    /// <summary>The text as segments: plain text (Token null) and added tokens, in order; together they cover all of it, save stripped whitespace.</summary>
    public List<(string Text, AddedToken? Token)> Split(string text, bool parseSpecial)
    {
        var segments = new List<(string, AddedToken?)>();
        if (IsEmpty || text.Length == 0)
        {
            if (text.Length > 0) segments.Add((text, null));
            return segments;
        }
        var plainStart = 0;
        var i = 0;
        while (i < text.Length)
        {
            var token = LongestAt(text, i);
            if (token is null)
            {
                i++;
                continue;
            }
            var end = i + token.Content.Length;
            if ((token.Special && !parseSpecial) || (token.SingleWord && !IsWordBoundary(text, i, end)))
            {
                i = end; // the whole match stays plain text, as in Hugging Face's filtering of its matches
                continue;
            }
            var start = i;
            if (token.LStrip)
                while (start > plainStart && char.IsWhiteSpace(text[start - 1])) start--;
            if (token.RStrip)
                while (end < text.Length && char.IsWhiteSpace(text[end])) end++;
            if (start > plainStart)
                segments.Add((text[plainStart..start], null));
            segments.Add((text[start..end], token));
            plainStart = i = end;
        }
        if (plainStart < text.Length)
            segments.Add((text[plainStart..], null));
        return segments;
    }

    private AddedToken? LongestAt(string text, int at)
    {
        AddedToken? found = null;
        var node = root;
        for (var j = at; j < text.Length && node.Next is not null && node.Next.TryGetValue(text[j], out var child); j++)
        {
            node = child;
            if (node.Token is not null) found = node.Token;
        }
        return found;
    }

    private static bool IsWordBoundary(string text, int start, int end) =>
        (start == 0 || !IsWordChar(text[start - 1])) && (end == text.Length || !IsWordChar(text[end]));

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';
}
