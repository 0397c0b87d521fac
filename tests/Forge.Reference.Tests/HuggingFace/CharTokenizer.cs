using System.Text.Json.Nodes;

namespace Forge.Reference.Tests.HuggingFace;

/// <summary>
/// A byte-level BPE <c>tokenizer.json</c> of exactly <c>size</c> tokens and no merges: single characters, then
/// two special tokens. For model folders whose vocabulary is too small for the 256 byte tokens.
/// </summary>
internal static class CharTokenizer
{
    public static void Write(string directory, int size)
    {
        var vocab = new JsonObject();
        for (var i = 0; i < size - 2; i++)
            vocab[((char)('0' + i)).ToString()] = i;
        var json = new JsonObject
        {
            ["added_tokens"] = new JsonArray(
                new JsonObject { ["id"] = size - 2, ["content"] = "<|end|>", ["special"] = true },
                new JsonObject { ["id"] = size - 1, ["content"] = "<|pad|>", ["special"] = true }),
            ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["use_regex"] = false },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel" },
            ["model"] = new JsonObject { ["type"] = "BPE", ["vocab"] = vocab, ["merges"] = new JsonArray() },
        };
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), json.ToJsonString());
    }
}
