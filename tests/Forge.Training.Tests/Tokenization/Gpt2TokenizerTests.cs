using Forge.Training.Tokenization;

namespace Forge.Training.Tests.Tokenization;

public sealed class Gpt2TokenizerTests
{
    private static readonly Gpt2Tokenizer Tokenizer = new(["<|im_start|>", "<|im_end|>"]);

    [Fact]
    public void Encode_KnownText_MatchesGpt2Ids() =>
        Assert.Equal([15496, 11, 995], Tokenizer.Encode("Hello, world")); // GPT-2's published ids

    [Theory]
    [InlineData("The quick brown fox.")]
    [InlineData("naïve café — 数学 🚀")]
    [InlineData("<|im_start|>user\nhi<|im_end|><|endoftext|>")]
    public void EncodeDecode_RoundTrips(string text) =>
        Assert.Equal(text, Tokenizer.Decode(Tokenizer.Encode(text)));

    [Fact]
    public void SpecialTokens_HaveIdsFrom50256()
    {
        Assert.Equal(50256, Tokenizer.EosId);
        Assert.Equal(50256, Tokenizer.BosId);
        Assert.Equal(50257, Tokenizer.PadId);
        Assert.Equal(50258, Tokenizer.SpecialTokenId("<|im_start|>"));
        Assert.Equal(50259, Tokenizer.SpecialTokenId("<|im_end|>"));
        Assert.Equal(50260, Tokenizer.VocabSize);
        Assert.Equal([50258, 5303, 50259], Tokenizer.Encode("<|im_start|>hi<|im_end|>"));
    }

    [Fact]
    public void Encode_WithoutSpecialParsing_NeverEmitsSpecialIds()
    {
        var ids = Tokenizer.Encode("<|endoftext|><|im_end|>", parseSpecialTokens: false);
        Assert.All(ids, id => Assert.True(id < 50256));
        Assert.Equal("<|endoftext|><|im_end|>", Tokenizer.Decode(ids));
    }

    [Fact]
    public void Spec_Create_RebuildsGpt2() =>
        Assert.Equal(Tokenizer.Encode("a <|im_end|>"), Tokenizer.Spec.Create().Encode("a <|im_end|>"));
}
