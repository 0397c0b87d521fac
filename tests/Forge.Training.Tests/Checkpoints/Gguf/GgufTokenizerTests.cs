using System.Text.Json.Nodes;
using Forge.Training.Checkpoints.Gguf;

namespace Forge.Training.Tests.Checkpoints.Gguf;

public sealed class GgufTokenizerTests : IDisposable
{
    private const string Qwen2Split = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private readonly string root = Directory.CreateTempSubdirectory("forge-gguf-tok-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void AddTo_ReadsVocabularyMergesSpecialsAndPadsToTheModel()
    {
        Write(Tokenizer(Qwen2Split, new JsonArray("a b", new JsonArray("ab", "c"))),
            new JsonObject { ["eos_token"] = new JsonObject { ["content"] = "<|end|>" }, ["pad_token"] = "<|end|>", ["chat_template"] = "T" });
        var writer = new GgufWriter();
        GgufTokenizer.AddTo(writer, GgufTokenizerSource.FromFolder(root), vocabSize: 8, (Bos: 0, Eos: 1));

        Assert.Equal(["a", "b", "c", "ab", "abc", "<|end|>", "<x>", "[PAD7]"], (IReadOnlyList<string>)writer.Find("tokenizer.ggml.tokens")!.Value);
        Assert.Equal([1, 1, 1, 1, 1, 3, 4, 5], (IReadOnlyList<int>)writer.Find("tokenizer.ggml.token_type")!.Value);
        Assert.Equal(["a b", "ab c"], (IReadOnlyList<string>)writer.Find("tokenizer.ggml.merges")!.Value);
        Assert.Equal("qwen2", writer.Find("tokenizer.ggml.pre")!.Value);
        Assert.Equal(0u, writer.Find("tokenizer.ggml.bos_token_id")!.Value); // from config.json: the tokenizer names none
        Assert.Equal(5u, writer.Find("tokenizer.ggml.eos_token_id")!.Value);
        Assert.Equal(5u, writer.Find("tokenizer.ggml.padding_token_id")!.Value);
        Assert.Equal(false, writer.Find("tokenizer.ggml.add_bos_token")!.Value);
        Assert.Equal("T", writer.Find("tokenizer.chat_template")!.Value);
    }

    [Fact]
    public void AddTo_UnknownSplitPattern_IsRefusedNamingThePreTokenizer()
    {
        Write(Tokenizer(@"\s+|\w+", new JsonArray("a b")));
        var e = Assert.Throws<InvalidDataException>(() => GgufTokenizer.AddTo(new GgufWriter(), GgufTokenizerSource.FromFolder(root), 8, (null, null)));
        Assert.Contains("tokenizer.json: $.pre_tokenizer", e.Message);
        Assert.Contains(@"'\s+|\w+'", e.Message);
    }

    [Fact]
    public void AddTo_TokenBeyondTheEmbeddingRows_IsRefused()
    {
        Write(Tokenizer(Qwen2Split, new JsonArray("a b")));
        var e = Assert.Throws<InvalidDataException>(() => GgufTokenizer.AddTo(new GgufWriter(), GgufTokenizerSource.FromFolder(root), 6, (null, null)));
        Assert.Contains("'<x>' has id 6, beyond the model's 6 embedding rows", e.Message);
    }

    [Fact]
    public void AddTo_NotByteLevelBpe_IsRefused()
    {
        var tokenizer = Tokenizer(Qwen2Split, new JsonArray());
        tokenizer["model"]!["type"] = "Unigram";
        Write(tokenizer);
        var e = Assert.Throws<InvalidDataException>(() => GgufTokenizer.AddTo(new GgufWriter(), GgufTokenizerSource.FromFolder(root), 8, (null, null)));
        Assert.Contains("$.model.type: only byte-level BPE", e.Message);
    }

    private static JsonObject Tokenizer(string split, JsonArray merges) => new()
    {
        ["added_tokens"] = new JsonArray(
            new JsonObject { ["id"] = 5, ["content"] = "<|end|>", ["special"] = true },
            new JsonObject { ["id"] = 6, ["content"] = "<x>", ["special"] = false }),
        ["pre_tokenizer"] = new JsonObject
        {
            ["type"] = "Sequence",
            ["pretokenizers"] = new JsonArray(
                new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = split } },
                new JsonObject { ["type"] = "ByteLevel", ["use_regex"] = false }),
        },
        ["decoder"] = new JsonObject { ["type"] = "ByteLevel" },
        ["model"] = new JsonObject
        {
            ["type"] = "BPE",
            ["vocab"] = new JsonObject { ["a"] = 0, ["b"] = 1, ["c"] = 2, ["ab"] = 3, ["abc"] = 4 },
            ["merges"] = merges,
        },
    };

    private void Write(JsonObject tokenizer, JsonObject? config = null)
    {
        File.WriteAllText(Path.Combine(root, "tokenizer.json"), tokenizer.ToJsonString());
        if (config is not null)
            File.WriteAllText(Path.Combine(root, "tokenizer_config.json"), config.ToJsonString());
    }
}
