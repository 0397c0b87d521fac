using System.Text.Json.Nodes;

namespace Forge.Reference.Tests.HuggingFace;

/// <summary>
/// A small byte-level BPE tokenizer in Hugging Face's <c>tokenizer.json</c> format: the 256 byte tokens (GPT-2's
/// byte → character table, id = byte value), a few merges, then the model's special tokens. Small enough that
/// llama.cpp loads it in milliseconds; real in format (merges as pairs, added tokens, a split pre-tokenizer).
/// </summary>
internal static class SyntheticTokenizer
{
    /// <summary>Llama 3's split pattern (digits in runs of up to three).</summary>
    public const string Llama3Split = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>Qwen2's split pattern (single digits).</summary>
    public const string Qwen2Split = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private static readonly (string Left, string Right)[] MergePairs = [("t", "h"), ("th", "e"), ("Ġ", "a"), ("i", "n"), ("Ġ", "the")];

    /// <summary>Number of tokens: bytes, merges and <paramref name="specials"/>.</summary>
    public static int Size(int specials) => 256 + MergePairs.Length + specials;

    /// <summary>Writes <c>tokenizer.json</c> and <c>tokenizer_config.json</c> into <paramref name="directory"/>.</summary>
    public static void Write(string directory, string splitPattern, IReadOnlyList<string> specials, string bos, string eos)
    {
        var vocab = new JsonObject();
        var byteChars = ByteCharacters();
        for (var b = 0; b < 256; b++)
            vocab[byteChars[b].ToString()] = b;
        var id = 256;
        foreach (var (left, right) in MergePairs)
            vocab[left + right] = id++;
        var added = new JsonArray();
        foreach (var special in specials)
            added.Add(new JsonObject { ["id"] = id++, ["content"] = special, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true });
        var tokenizer = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = added,
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = splitPattern }, ["behavior"] = "Isolated", ["invert"] = false },
                    new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = false, ["use_regex"] = false }),
            },
            ["post_processor"] = null,
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = false, ["use_regex"] = false },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = "", ["end_of_word_suffix"] = "",
                ["fuse_unk"] = false, ["byte_fallback"] = false, ["ignore_merges"] = false,
                ["vocab"] = vocab,
                ["merges"] = new JsonArray([.. MergePairs.Select(p => (JsonNode)new JsonArray(p.Left, p.Right))]),
            },
        };
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), tokenizer.ToJsonString());
        var config = new JsonObject
        {
            ["add_bos_token"] = false,
            ["bos_token"] = bos,
            ["eos_token"] = eos,
            ["pad_token"] = eos,
            ["model_max_length"] = 4096,
            ["tokenizer_class"] = "PreTrainedTokenizerFast",
            ["chat_template"] = "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}",
        };
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), config.ToJsonString());
    }

    // GPT-2's table: printable Latin-1 bytes stand for themselves, the others for U+0100 upwards in byte order.
    private static char[] ByteCharacters()
    {
        var chars = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            chars[b] = (char)(printable ? b : next++);
        }
        return chars;
    }
}
