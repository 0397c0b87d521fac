using System.Text.Json;
using Forge.Training.Tokenization.HuggingFace;

namespace Forge.Training.Tests.Tokenization.HuggingFace;

/// <summary>
/// A SentencePiece-style BPE as Mistral's and newer Llama 2 folders have it (Metaspace pre-tokenizer with
/// <c>prepend_scheme: first</c>, byte fallback, fused unknowns, a BOS template), built here with a small vocabulary:
/// ids, special tokens read as text, the post-processor and decoding equal the reference's on the whole corpus.
/// </summary>
public sealed class SentencePieceStyleReferenceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("forge-hf-metaspace-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] Merges =
    [
        "▁ t", "h e", "▁t he", "i n", "▁ a", "e r", "o n", "r e", "▁ w", "o r", "l l", "▁ s", "e n", "a n", "t h",
        "▁ th", "in g", "▁ i", "e s", "▁a n", "▁an d", "▁ o", "o u", "e d", "▁ c", "▁ d", "▁ l", "l o", "▁ h", "he ll",
        "hell o", "▁ 1", "1 2", "▁1 2", "▁ ▁", "▁▁ ▁", "▁ \n", "\n \n", "i s", "▁ is",
    ];

    private HfTokenizer Build()
    {
        var vocab = new Dictionary<string, int> { ["<unk>"] = 0, ["<s>"] = 1, ["</s>"] = 2 };
        for (var b = 0; b < 256; b++) vocab[$"<0x{b:X2}>"] = vocab.Count;
        foreach (var c in "▁abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?'\"\n")
            vocab.TryAdd(c.ToString(), vocab.Count);
        foreach (var merge in Merges)
        {
            var parts = merge.Split(' ');
            vocab.TryAdd(parts[0] + parts[1], vocab.Count);
        }
        // add_prefix_space as older files also write it (the reference prepends nothing without it).
        var metaspace = new { type = "Metaspace", replacement = "▁", add_prefix_space = true, prepend_scheme = "first", split = false };
        var tokenizer = new Dictionary<string, object?>
        {
            ["version"] = "1.0",
            ["added_tokens"] = new[] { "<unk>", "<s>", "</s>" }.Select((t, i) => new { id = i, content = t, single_word = false, lstrip = false, rstrip = false, normalized = false, special = true }),
            ["normalizer"] = null,
            ["pre_tokenizer"] = metaspace,
            ["post_processor"] = new
            {
                type = "TemplateProcessing",
                single = new object[] { new { SpecialToken = new { id = "<s>", type_id = 0 } }, new { Sequence = new { id = "A", type_id = 0 } } },
                pair = new object[] { new { Sequence = new { id = "A", type_id = 0 } }, new { Sequence = new { id = "B", type_id = 1 } } },
                special_tokens = new Dictionary<string, object> { ["<s>"] = new { id = "<s>", ids = new[] { 1 }, tokens = new[] { "<s>" } } },
            },
            ["decoder"] = new
            {
                type = "Sequence",
                decoders = new object[]
                {
                    new { type = "Replace", pattern = new { String = "▁" }, content = " " },
                    new { type = "ByteFallback" },
                    new { type = "Fuse" },
                    new { type = "Strip", content = " ", start = 1, stop = 0 },
                },
            },
            ["model"] = new
            {
                type = "BPE", dropout = (double?)null, unk_token = "<unk>", fuse_unk = true, byte_fallback = true, ignore_merges = false,
                vocab, merges = Merges.Select(m => m.Split(' ')),
            },
        };
        File.WriteAllText(Path.Combine(_dir, "tokenizer.json"), JsonSerializer.Serialize(tokenizer));
        File.WriteAllText(Path.Combine(_dir, "tokenizer_config.json"), """{"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<s>", "eos_token": "</s>"}""");
        return HfTokenizer.Load(_dir);
    }

    [SkippableFact]
    public void MetaspaceFirstWithByteFallback_EqualsReference()
    {
        var tokenizer = Build();

        ReferenceTokenizers.AssertSameIds(tokenizer, (t, text) => t.Encode(text), item => item.Ids);
        ReferenceTokenizers.AssertSameIds(tokenizer, (t, text) => t.Encode(text, parseSpecialTokens: false), item => item.PlainIds);
        ReferenceTokenizers.AssertSameIds(tokenizer, (t, text) => t.EncodeWithSpecialTokens(text), item => item.IdsWithSpecial);
        var reference = ReferenceTokenizers.Encode(_dir);
        for (var i = 0; i < ReferenceTokenizers.Corpus.Count; i++)
            Assert.Equal(reference.Items[i].Decoded, tokenizer.Decode(tokenizer.Encode(ReferenceTokenizers.Corpus[i])));
    }

    [Fact]
    public void MetaspaceFirst_PrependsOnlyAtTheStartOfTheInput()
    {
        var tokenizer = Build();

        var start = tokenizer.Tokens(tokenizer.Encode("the end"));
        var afterSpecial = tokenizer.Tokens(tokenizer.Encode("<s>the end"));

        Assert.Equal("▁the", start[0]);
        Assert.Equal(["<s>", "t", "he"], afterSpecial.Take(3));
    }
}
