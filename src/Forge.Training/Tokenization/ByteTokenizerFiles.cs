using System.Text.Json.Nodes;

namespace Forge.Training.Tokenization;

/// <summary>
/// Hugging Face tokenizer files for <see cref="ByteTokenizer"/>: a byte-level BPE <c>tokenizer.json</c> with no
/// merges (GPT-2's byte → character table, token id = byte value, so every byte stays its own token, as here) and
/// the special tokens as added tokens, plus a <c>tokenizer_config.json</c> naming BOS, EOS and PAD.
/// </summary>
public static class ByteTokenizerFiles
{
    /// <summary>Writes <c>tokenizer.json</c> and <c>tokenizer_config.json</c> into <paramref name="directory"/>.</summary>
    public static void Write(ByteTokenizer tokenizer, string directory)
    {
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), TokenizerJson(tokenizer).ToJsonString());
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), TokenizerConfigJson().ToJsonString());
    }

    /// <summary>The <c>tokenizer.json</c> object.</summary>
    public static JsonObject TokenizerJson(ByteTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var vocab = new JsonObject();
        var characters = ByteCharacters();
        for (var b = 0; b < 256; b++)
            vocab[characters[b].ToString()] = b;
        var added = new JsonArray();
        foreach (var (text, id) in tokenizer.SpecialTokens.OrderBy(kv => kv.Value))
            added.Add(new JsonObject
            {
                ["id"] = id, ["content"] = text, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
                ["normalized"] = false, ["special"] = true,
            });
        JsonObject ByteLevel() => new() { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = false, ["use_regex"] = false };
        var json = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = null,
            ["pre_tokenizer"] = ByteLevel(),
            ["post_processor"] = null,
            ["decoder"] = ByteLevel(),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null, ["fuse_unk"] = false, ["byte_fallback"] = false, ["ignore_merges"] = false,
                ["vocab"] = vocab, ["merges"] = new JsonArray(),
            },
        };
        return json;
    }

    /// <summary>The <c>tokenizer_config.json</c> object.</summary>
    public static JsonObject TokenizerConfigJson() => new()
    {
        ["add_bos_token"] = false,
        ["bos_token"] = ByteTokenizer.Bos,
        ["eos_token"] = ByteTokenizer.Eos,
        ["pad_token"] = ByteTokenizer.Pad,
        ["tokenizer_class"] = "PreTrainedTokenizerFast",
    };

    // GPT-2's table: printable Latin-1 bytes stand for themselves, the others for U+0100 upwards in byte order.
    private static char[] ByteCharacters()
    {
        var characters = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
            characters[b] = (char)(b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF ? b : next++);
        return characters;
    }
}
