using System.Globalization;
using System.Text;

namespace Forge.Training.Tokenization.HuggingFace;

/// <summary>The tokenizer.json <c>decoder</c>: turns the token strings of some ids back into text, one chain step at a time.</summary>
internal static class Decoders
{
    /// <summary>A step maps the list of token strings to a new list; the decoded text is the final list joined.</summary>
    public static Func<List<string>, List<string>> From(JsonNode node)
    {
        var type = node.Required("type").String();
        switch (type)
        {
            case "Sequence":
                var steps = node.Required("decoders").Items().Select(From).ToArray();
                return tokens => steps.Aggregate(tokens, (t, step) => step(t));
            case "ByteLevel":
                return tokens => [ByteLevel(tokens)];
            case "ByteFallback":
                return ByteFallback;
            case "Fuse":
                return tokens => [string.Concat(tokens)];
            case "Replace":
                var pattern = Patterns.From(node.Required("pattern"));
                var content = node.Required("content").String();
                return tokens => tokens.Select(t => pattern.Replace(t, content)).ToList();
            case "Strip":
                var strip = node.Required("content").String();
                var start = node.Required("start").Int();
                var stop = node.Required("stop").Int();
                return tokens => tokens.Select(t => Strip(t, strip, start, stop)).ToList();
            case "Metaspace":
                var replacement = node.Required("replacement").String();
                var scheme = Metaspace.Scheme(node);
                return tokens => tokens.Select((t, i) =>
                {
                    var text = t.Replace(replacement, " ", StringComparison.Ordinal);
                    return i == 0 && scheme != "never" && text.StartsWith(' ') ? text[1..] : text;
                }).ToList();
            default:
                throw node.Required("type").Error($"decoder '{type}' is not supported (supported: Sequence, ByteLevel, ByteFallback, Fuse, Replace, Strip, Metaspace).");
        }
    }

    // Every character back to its byte; a token with a character outside the alphabet contributes its own UTF-8 bytes.
    private static string ByteLevel(List<string> tokens)
    {
        var bytes = new List<byte>();
        foreach (var token in tokens)
        {
            var mapped = new List<byte>(token.Length);
            var ok = true;
            foreach (var c in token)
            {
                if (!ByteLevelAlphabet.TryByte(c, out var b)) { ok = false; break; }
                mapped.Add(b);
            }
            bytes.AddRange(ok ? mapped : Encoding.UTF8.GetBytes(token));
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    // Runs of <0xNN> tokens become the text their bytes spell; invalid UTF-8 gives one U+FFFD per byte, as Hugging Face does.
    private static List<string> ByteFallback(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        var bytes = new List<byte>();
        void Flush()
        {
            if (bytes.Count == 0) return;
            try
            {
                result.Add(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes.ToArray()));
            }
            catch (DecoderFallbackException)
            {
                result.AddRange(Enumerable.Repeat("\uFFFD", bytes.Count));
            }
            bytes.Clear();
        }
        foreach (var token in tokens)
        {
            if (token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
                && byte.TryParse(token.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b))
            {
                bytes.Add(b);
                continue;
            }
            Flush();
            result.Add(token);
        }
        Flush();
        return result;
    }

    private static string Strip(string token, string content, int start, int stop)
    {
        var from = 0;
        for (var i = 0; i < start && token.AsSpan(from).StartsWith(content, StringComparison.Ordinal); i++)
            from += content.Length;
        var to = token.Length;
        for (var i = 0; i < stop && to - content.Length >= from && token.AsSpan(from, to - from).EndsWith(content, StringComparison.Ordinal); i++)
            to -= content.Length;
        return token[from..to];
    }
}
