using System.Text.Json;

namespace Forge.Training.Tokenization.HuggingFace;

/// <summary>
/// Writes tokenizer.json + tokenizer_config.json for Forge's own tokenizers, so an exported checkpoint carries
/// tokenizer files that Hugging Face (and <see cref="HfTokenizer"/>) encode to the same ids:
/// <list type="bullet">
/// <item><see cref="ByteTokenizer"/>: a byte-level BPE without merges, so each UTF-8 byte is its own id (0–255).</item>
/// <item><see cref="Gpt2Tokenizer"/>: GPT-2's byte-level BPE; the merges are recovered from the token ranks (each
/// token's bytes merged by lower ranks down to the two parts it was made from).</item>
/// </list>
/// Special tokens become special added tokens with their ids; nothing is added around encoded text.
/// </summary>
internal static class HfTokenizerWriter
{
    public static IReadOnlyList<string> Write(ITokenizer tokenizer, string folder)
    {
        var (vocab, merges, useRegex) = tokenizer switch
        {
            ByteTokenizer => (ByteVocab(), new List<(string, string)>(), false),
            Gpt2Tokenizer => Gpt2VocabAndMerges(),
            _ => throw new NotSupportedException($"no Hugging Face form is defined for a {tokenizer.GetType().Name}."),
        };
        Directory.CreateDirectory(folder);
        WriteJson(Path.Combine(folder, HfTokenizer.TokenizerFileName), w => TokenizerJson(w, tokenizer, vocab, merges, useRegex));
        WriteJson(Path.Combine(folder, HfTokenizer.ConfigFileName), w => ConfigJson(w, tokenizer));
        return [HfTokenizer.TokenizerFileName, HfTokenizer.ConfigFileName];
    }

    private static List<(string Token, int Id)> ByteVocab() =>
        Enumerable.Range(0, 256).Select(b => (ByteLevelAlphabet.Char((byte)b).ToString(), b)).ToList();

    private static (List<(string, int)>, List<(string, string)>, bool) Gpt2VocabAndMerges()
    {
        var vocab = Gpt2Tokenizer.TokenBytes().Select((bytes, id) => (Chars(bytes), id)).ToList();
        var rank = vocab.ToDictionary(v => v.Item1, v => v.Item2, StringComparer.Ordinal);
        var merges = new List<(string, string)>();
        foreach (var (token, id) in vocab)
        {
            if (token.Length < 2) continue;
            var parts = token.Select(c => c.ToString()).ToList();
            while (parts.Count > 2)
            {
                var best = -1;
                var bestRank = id;
                for (var i = 0; i + 1 < parts.Count; i++)
                    if (rank.TryGetValue(parts[i] + parts[i + 1], out var r) && r < bestRank) { best = i; bestRank = r; }
                if (best < 0) break;
                parts[best] += parts[best + 1];
                parts.RemoveAt(best + 1);
            }
            if (parts.Count == 2)
                merges.Add((parts[0], parts[1]));
        }
        return (vocab, merges, true);
    }

    private static string Chars(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++) chars[i] = ByteLevelAlphabet.Char(bytes[i]);
        return new string(chars);
    }

    private static void TokenizerJson(Utf8JsonWriter w, ITokenizer tokenizer, List<(string Token, int Id)> vocab, List<(string Left, string Right)> merges, bool useRegex)
    {
        w.WriteStartObject();
        w.WriteString("version", "1.0");
        w.WriteNull("truncation");
        w.WriteNull("padding");
        w.WriteStartArray("added_tokens");
        foreach (var (content, id) in tokenizer.SpecialTokens.OrderBy(p => p.Value))
        {
            w.WriteStartObject();
            w.WriteNumber("id", id);
            w.WriteString("content", content);
            w.WriteBoolean("single_word", false);
            w.WriteBoolean("lstrip", false);
            w.WriteBoolean("rstrip", false);
            w.WriteBoolean("normalized", false);
            w.WriteBoolean("special", true);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteNull("normalizer");
        ByteLevel(w, "pre_tokenizer", useRegex);
        ByteLevel(w, "post_processor", useRegex);
        ByteLevel(w, "decoder", useRegex);
        w.WriteStartObject("model");
        w.WriteString("type", "BPE");
        w.WriteNull("dropout");
        w.WriteNull("unk_token");
        w.WriteString("continuing_subword_prefix", "");
        w.WriteString("end_of_word_suffix", "");
        w.WriteBoolean("fuse_unk", false);
        w.WriteBoolean("byte_fallback", false);
        w.WriteBoolean("ignore_merges", false);
        w.WriteStartObject("vocab");
        foreach (var (token, id) in vocab)
            w.WriteNumber(token, id);
        w.WriteEndObject();
        w.WriteStartArray("merges");
        foreach (var (left, right) in merges)
        {
            w.WriteStartArray();
            w.WriteStringValue(left);
            w.WriteStringValue(right);
            w.WriteEndArray();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void ByteLevel(Utf8JsonWriter w, string name, bool useRegex)
    {
        w.WriteStartObject(name);
        w.WriteString("type", "ByteLevel");
        w.WriteBoolean("add_prefix_space", false);
        w.WriteBoolean("trim_offsets", false);
        w.WriteBoolean("use_regex", useRegex);
        w.WriteEndObject();
    }

    private static void ConfigJson(Utf8JsonWriter w, ITokenizer tokenizer)
    {
        string TextOf(int id) => tokenizer.SpecialTokens.First(p => p.Value == id).Key;
        w.WriteStartObject();
        w.WriteString("tokenizer_class", "PreTrainedTokenizerFast");
        w.WriteString("bos_token", TextOf(tokenizer.BosId));
        w.WriteString("eos_token", TextOf(tokenizer.EosId));
        w.WriteString("pad_token", TextOf(tokenizer.PadId));
        w.WriteBoolean("add_bos_token", false);
        w.WriteBoolean("add_eos_token", false);
        w.WriteBoolean("clean_up_tokenization_spaces", false);
        w.WriteEndObject();
    }

    private static void WriteJson(string file, Action<Utf8JsonWriter> write)
    {
        using var stream = File.Create(file);
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        write(writer);
    }
}
