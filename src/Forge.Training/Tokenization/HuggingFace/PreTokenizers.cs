using System.Text.RegularExpressions;

namespace Forge.Training.Tokenization.HuggingFace;

/// <summary>The tokenizer.json <c>pre_tokenizer</c>: splits normalized text into the words the BPE model sees.</summary>
internal static class PreTokenizers
{
    // GPT-2's split, used by a ByteLevel pre-tokenizer with use_regex = true.
    private static readonly Regex Gpt2Split = new(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+", RegexOptions.Compiled | RegexOptions.CultureInvariant);

    /// <summary>
    /// Builds the pre-tokenizer a tokenizer.json section describes, as a map from one piece to its sub-pieces (the
    /// flag says whether the piece starts the input, for Metaspace's <c>prepend_scheme: first</c>); refuses a type or
    /// option it does not implement, by name.
    /// </summary>
    public static Func<string, bool, IEnumerable<string>> From(JsonNode node)
    {
        var type = node.Required("type").String();
        switch (type)
        {
            case "Sequence":
                var steps = node.Required("pretokenizers").Items().Select(From).ToArray();
                return (piece, atStart) => steps.Aggregate(
                    (IEnumerable<(string Text, bool AtStart)>)[(piece, atStart)],
                    (pieces, step) => pieces.SelectMany(p => step(p.Text, p.AtStart).Select((sub, i) => (sub, p.AtStart && i == 0))).ToList())
                    .Select(p => p.Text);
            case "Split":
                var regex = Patterns.From(node.Required("pattern"));
                var behavior = node.Required("behavior");
                var invert = node.OptionalBool("invert", false);
                var split = SplitBehavior(behavior);
                return (piece, _) => Split(piece, regex, split, invert);
            case "ByteLevel":
                var addPrefixSpace = node.OptionalBool("add_prefix_space", false);
                var useRegex = node.OptionalBool("use_regex", true);
                return (piece, _) =>
                {
                    if (addPrefixSpace && !piece.StartsWith(' '))
                        piece = " " + piece;
                    var words = useRegex ? Split(piece, Gpt2Split, SplitMode.Isolated, invert: false) : [piece];
                    return words.Select(w => ByteLevelAlphabet.Encode(w));
                };
            case "Metaspace":
                var replacement = node.Required("replacement").String();
                var scheme = Metaspace.Scheme(node);
                if (scheme is not ("always" or "never" or "first"))
                    throw node.Required("prepend_scheme").Error($"prepend_scheme '{scheme}' is unknown (expected always, first or never).");
                var splitWords = node.OptionalBool("split", true);
                return (piece, atStart) =>
                {
                    var text = piece.Replace(" ", replacement, StringComparison.Ordinal);
                    var prepend = scheme == "always" || (scheme == "first" && atStart);
                    if (prepend && !text.StartsWith(replacement, StringComparison.Ordinal))
                        text = replacement + text;
                    return splitWords ? SplitBefore(text, replacement) : [text];
                };
            default:
                throw node.Required("type").Error($"pre-tokenizer '{type}' is not supported (supported: Sequence, Split, ByteLevel, Metaspace).");
        }
    }

    private enum SplitMode { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous }

    private static SplitMode SplitBehavior(JsonNode behavior) => behavior.String() switch
    {
        "Removed" => SplitMode.Removed,
        "Isolated" => SplitMode.Isolated,
        "MergedWithPrevious" => SplitMode.MergedWithPrevious,
        "MergedWithNext" => SplitMode.MergedWithNext,
        "Contiguous" => SplitMode.Contiguous,
        var other => throw behavior.Error($"split behavior '{other}' is unknown (expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous)."),
    };

    // Hugging Face's split: the text as alternating (is-match, span) runs, then combined per behavior; empty pieces dropped.
    private static List<string> Split(string text, Regex regex, SplitMode mode, bool invert)
    {
        var runs = new List<(bool Match, int Start, int Length)>();
        var at = 0;
        foreach (var (start, length) in CodePointRegex.Matches(regex, text))
        {
            if (start > at) runs.Add((invert, at, start - at));
            runs.Add((!invert, start, length));
            at = start + length;
        }
        if (at < text.Length) runs.Add((invert, at, text.Length - at));

        var pieces = new List<string>(runs.Count);
        var pending = -1; // MergedWithNext: start of a delimiter waiting for its following piece
        for (var i = 0; i < runs.Count; i++)
        {
            var (match, start, length) = runs[i];
            switch (mode)
            {
                case SplitMode.Removed:
                    if (!match) pieces.Add(text.Substring(start, length));
                    break;
                case SplitMode.Isolated:
                    pieces.Add(text.Substring(start, length));
                    break;
                case SplitMode.MergedWithPrevious:
                    if (match && pieces.Count > 0 && i > 0 && !runs[i - 1].Match)
                        pieces[^1] += text.Substring(start, length);
                    else
                        pieces.Add(text.Substring(start, length));
                    break;
                case SplitMode.MergedWithNext:
                    if (match)
                    {
                        if (pending >= 0) pieces.Add(text[pending..start]);
                        pending = start;
                    }
                    else
                    {
                        var from = pending >= 0 ? pending : start;
                        pieces.Add(text[from..(start + length)]);
                        pending = -1;
                    }
                    break;
                case SplitMode.Contiguous:
                    if (match && i > 0 && runs[i - 1].Match)
                        pieces[^1] += text.Substring(start, length);
                    else
                        pieces.Add(text.Substring(start, length));
                    break;
            }
        }
        if (pending >= 0) pieces.Add(text[pending..]);
        return pieces;
    }

    // Metaspace's split: a new word starts at each replacement character.
    private static List<string> SplitBefore(string text, string marker)
    {
        var words = new List<string>();
        var start = 0;
        for (var at = text.IndexOf(marker, 1, StringComparison.Ordinal); at > 0; at = text.IndexOf(marker, at + marker.Length, StringComparison.Ordinal))
        {
            words.Add(text[start..at]);
            start = at;
        }
        if (start < text.Length) words.Add(text[start..]);
        return words;
    }
}

/// <summary>Metaspace's settings as Hugging Face reads them: an explicit <c>add_prefix_space: false</c> (older files) means never prepend.</summary>
internal static class Metaspace
{
    public static string Scheme(JsonNode node) =>
        node.OptionalBool("add_prefix_space", true) ? node.OptionalString("prepend_scheme") ?? "always" : "never";
}
