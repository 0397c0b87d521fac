using System.Text.Json;
using Forge.Training.Tokenization;
using Forge.Training.Tokenization.HuggingFace;

namespace Forge.Training.Tests.Tokenization.HuggingFace;

/// <summary>Loading, config fields, chat templates, specs and errors of <see cref="HfTokenizer"/>.</summary>
public sealed class HfTokenizerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("forge-hf-tokenizer-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // A small byte-level BPE: "ab" and "abc" by merges, one special and one non-special added token.
    private const string TinyTokenizer = """
        {"added_tokens": [
           {"id": 6, "content": "<|end|>", "special": true, "normalized": false},
           {"id": 7, "content": "<tag>", "special": false, "normalized": false}],
         "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": false},
         "decoder": {"type": "ByteLevel"},
         "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<|end|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                            "special_tokens": {"<|end|>": {"id": "<|end|>", "ids": [6], "tokens": ["<|end|>"]}}},
         "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 2, "ab": 3, "abc": 4, "Ġ": 5}, "merges": ["a b", ["ab", "c"]]}}
        """;

    private HfTokenizer Tiny(string? config = null, string? jinja = null)
    {
        File.WriteAllText(Path.Combine(_dir, "tokenizer.json"), TinyTokenizer);
        if (config is not null) File.WriteAllText(Path.Combine(_dir, "tokenizer_config.json"), config);
        if (jinja is not null) File.WriteAllText(Path.Combine(_dir, "chat_template.jinja"), jinja);
        return HfTokenizer.Load(_dir);
    }

    [Fact]
    public void Encode_MergesByRank_AndMatchesAddedTokens()
    {
        var tokenizer = Tiny();

        Assert.Equal([4, 5, 3, 6, 1, 7], tokenizer.Encode("abc ab<|end|>b<tag>"));
        Assert.Equal([6, 4], tokenizer.EncodeWithSpecialTokens("abc"));
        Assert.Equal("abc ab<|end|>b<tag>", tokenizer.Decode([4, 5, 3, 6, 1, 7]));
        Assert.Equal("abc", tokenizer.Decode([6, 4], skipSpecialTokens: true));
        Assert.True(tokenizer.IsSpecial(6));
        Assert.False(tokenizer.IsSpecial(7)); // non-special added tokens are matched but are not special
    }

    [Fact]
    public void Encode_SpecialTokensAsText_StillMatchesNonSpecialAddedTokens()
    {
        var tokenizer = Tiny();

        var ids = tokenizer.Encode("<|end|><tag>", parseSpecialTokens: false);

        Assert.DoesNotContain(6, ids);
        Assert.Equal(7, ids[^1]);
    }

    [Fact]
    public void Encode_NormalizedAddedToken_MatchesItsNormalizedFormInNormalizedText()
    {
        File.WriteAllText(Path.Combine(_dir, "tokenizer.json"), """
            {"added_tokens": [{"id": 3, "content": "<TAG>", "special": false, "normalized": true},
                              {"id": 4, "content": "<RAW>", "special": false, "normalized": false}],
             "normalizer": {"type": "Lowercase"},
             "model": {"type": "BPE", "vocab": {"a": 0, "<": 1, ">": 2, "r": 5, "w": 6}, "merges": []}}
            """);
        var tokenizer = HfTokenizer.Load(_dir);

        Assert.Equal([0, 3, 0, 3], tokenizer.Encode("a<tag>A<TAG>"));
        Assert.Equal([4, 1, 5, 0, 6, 2], tokenizer.Encode("<RAW><raw>")); // a raw token matches only its own text
    }

    [Fact]
    public void Load_ConfigTokensAsStringsOrObjects_AndChatTemplateList()
    {
        var tokenizer = Tiny("""
            {"bos_token": {"content": "<|end|>", "lstrip": false}, "eos_token": "<|end|>", "pad_token": null, "add_bos_token": false,
             "tokenizer_class": "Qwen2Tokenizer",
             "chat_template": [{"name": "default", "template": "{{ messages }}"}, {"name": "tool_use", "template": "{{ tools }}"}]}
            """);

        Assert.Equal(("<|end|>", 6, "<|end|>", 6), (tokenizer.BosToken, tokenizer.BosTokenId, tokenizer.EosToken, tokenizer.EosTokenId));
        Assert.Null(tokenizer.PadToken);
        Assert.Equal(6, tokenizer.PadId); // falls back to EOS
        Assert.False(tokenizer.AddBosToken);
        Assert.Equal("Qwen2Tokenizer", tokenizer.TokenizerClass);
        Assert.Equal("{{ messages }}", tokenizer.ChatTemplate);
        Assert.Equal("{{ tools }}", tokenizer.ChatTemplates["tool_use"]);
    }

    [Fact]
    public void Load_ChatTemplateJinjaFile_IsTheDefaultTemplate()
    {
        var tokenizer = Tiny("""{"chat_template": "old"}""", jinja: "{{ new }}");

        Assert.Equal("{{ new }}", tokenizer.ChatTemplate);
    }

    [Fact]
    public void Load_SpecialTokensMap_WinsOverTokenizerConfig()
    {
        File.WriteAllText(Path.Combine(_dir, "special_tokens_map.json"), """{"eos_token": {"content": "<tag>"}, "pad_token": "<|end|>"}""");

        var tokenizer = Tiny("""{"eos_token": "<|end|>", "bos_token": "<|end|>"}""");

        Assert.Equal((6, 7, 6), (tokenizer.BosId, tokenizer.EosId, tokenizer.PadId));
    }

    [Fact]
    public void Load_SpecialTokensMapTokenNotInVocabulary_NamesThatFile()
    {
        File.WriteAllText(Path.Combine(_dir, "special_tokens_map.json"), """{"bos_token": "<nope>"}""");

        var e = Assert.Throws<TokenizerFileException>(() => Tiny());

        Assert.StartsWith($"{Path.Combine(_dir, "special_tokens_map.json")}: $.bos_token: token '<nope>'", e.Message);
    }

    [Fact]
    public void Load_ConfigTokenNotInVocabulary_NamesFileAndField()
    {
        var e = Assert.Throws<TokenizerFileException>(() => Tiny("""{"eos_token": "<|nope|>"}"""));

        Assert.Equal($"{Path.Combine(_dir, "tokenizer_config.json")}: $.eos_token: token '<|nope|>' is neither in the vocabulary nor an added token of tokenizer.json.", e.Message);
    }

    [Theory]
    [InlineData("""{"model": {"type": "Unigram", "vocab": []}}""", "$.model.type: model type 'Unigram' is not supported")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": "x"}}}""", "$.model.vocab[\"a\"]: expected an integer id from 0 to 16777215.")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": -1}}}""", "$.model.vocab[\"a\"]: expected an integer id from 0 to 16777215.")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {}}, "normalizer": {"type": "BertNormalizer"}}""", "$.normalizer.type: normalizer 'BertNormalizer' is not supported")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {}}, "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "("}, "behavior": "Isolated"}}""", "$.pre_tokenizer.pattern.Regex: regular expression not accepted")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {}, "continuing_subword_prefix": "##"}}""", "$.model.continuing_subword_prefix: '##' is not supported")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {}}, "added_tokens": [{"id": 1}]}""", "$.added_tokens[0].content: required field is missing.")]
    public void Load_UnsupportedOrMalformed_NamesFileAndJsonPath(string json, string expected)
    {
        File.WriteAllText(Path.Combine(_dir, "tokenizer.json"), json);

        var e = Assert.Throws<TokenizerFileException>(() => HfTokenizer.Load(_dir));

        Assert.StartsWith($"{Path.Combine(_dir, "tokenizer.json")}: {expected}", e.Message);
    }

    [Fact]
    public void Spec_RoundTripsThroughJson_AndRebuildsRelativeToADirectory()
    {
        var tokenizer = Tiny();
        var spec = new TokenizerSpec { Kind = TokenizerSpec.HfKind, Path = "tok" };
        Directory.CreateDirectory(Path.Combine(_dir, "ckpt", "tok"));
        HfTokenizerFiles.Copy(_dir, Path.Combine(_dir, "ckpt", "tok"));

        var json = JsonSerializer.Serialize(spec);
        var rebuilt = JsonSerializer.Deserialize<TokenizerSpec>(json)!.Create(Path.Combine(_dir, "ckpt"));

        Assert.Equal("""{"kind":"hf","extra_special_tokens":[],"path":"tok"}""", json);
        Assert.IsType<HfTokenizer>(rebuilt);
        Assert.Equal(tokenizer.Encode("abc<|end|>"), rebuilt.Encode("abc<|end|>"));
        Assert.Equal(TokenizerSpec.HfKind, tokenizer.Spec.Kind);
        Assert.Equal(tokenizer.Folder, tokenizer.Spec.Path);
    }
}
