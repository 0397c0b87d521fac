using System.Text.RegularExpressions;

namespace Forge.Training.Tokenization.HuggingFace;

/// <summary>The tokenizer.json <c>normalizer</c>: a text → text step before pre-tokenization.</summary>
internal static class Normalizers
{
    /// <summary>Builds the normalizer a tokenizer.json section describes; refuses a type it does not implement, by name.</summary>
    public static Func<string, string> From(JsonNode node)
    {
        var type = node.Required("type").String();
        switch (type)
        {
            // Forge runs with invariant globalization, where string.Normalize does nothing; a managed implementation does it.
            case "NFC": return s => IsAscii(s) ? s : ADRaffy.ENSNormalize.ENSNormalize.NF.NFC(s);
            case "NFD": return s => IsAscii(s) ? s : ADRaffy.ENSNormalize.ENSNormalize.NF.NFD(s);
            case "Lowercase": return s => s.ToLowerInvariant();
            case "Prepend":
                var prefix = node.Required("prepend").String();
                return s => s.Length == 0 ? s : prefix + s;
            case "Replace":
                var replace = Patterns.From(node.Required("pattern"));
                var content = node.Required("content").String();
                return s => replace.Replace(s, content);
            case "Sequence":
                var steps = node.Required("normalizers").Items().Select(From).ToArray();
                return s => steps.Aggregate(s, (text, step) => step(text));
            default:
                throw node.Required("type").Error($"normalizer '{type}' is not supported (supported: NFC, NFD, Lowercase, Prepend, Replace, Sequence).");
        }
    }

    private static bool IsAscii(string s) => System.Text.Ascii.IsValid(s);
}

/// <summary>A tokenizer.json <c>pattern</c>: <c>{"String": "…"}</c> (literal) or <c>{"Regex": "…"}</c>.</summary>
internal static class Patterns
{
    public static Regex From(JsonNode pattern)
    {
        if (pattern.Optional("String") is { } literal)
            return new Regex(Regex.Escape(literal.String()), RegexOptions.CultureInvariant);
        var regex = pattern.Required("Regex");
        try
        {
            return new Regex(regex.String(), RegexOptions.CultureInvariant | RegexOptions.Compiled);
        }
        catch (ArgumentException e)
        {
            throw regex.Error($"regular expression not accepted by .NET: {e.Message}");
        }
    }
}
