using Forge.Training.Tokenization;

namespace Forge.Training.Tests.Tokenization;

public sealed class ByteTokenizerTests
{
    private static readonly string[] ChatMarkers = ["<|im_start|>", "<|im_end|>", "<|tool|>"];

    [Theory]
    [InlineData("")]
    [InlineData("hello, world")]
    [InlineData("naïve café — 数学 🚀 ∑x²")]
    [InlineData("<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>")]
    public void EncodeDecode_RoundTrips(string text)
    {
        var tokenizer = new ByteTokenizer(ChatMarkers);
        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
    }

    [Fact]
    public void Encode_SpecialTokens_BecomeSingleIds()
    {
        var tokenizer = new ByteTokenizer(ChatMarkers);
        var ids = tokenizer.Encode("<|bos|>a<|im_end|><|eos|>");
        Assert.Equal([tokenizer.BosId, 'a', tokenizer.SpecialTokenId("<|im_end|>"), tokenizer.EosId], ids);
        Assert.Equal((256, 257, 258), (tokenizer.BosId, tokenizer.EosId, tokenizer.PadId));
        Assert.Equal([259, 260, 261], ChatMarkers.Select(tokenizer.SpecialTokenId));
        Assert.Equal(262, tokenizer.VocabSize);
    }

    [Fact]
    public void Encode_WithoutSpecialParsing_KeepsMarkersAsBytes()
    {
        var tokenizer = new ByteTokenizer(ChatMarkers);
        var ids = tokenizer.Encode("<|im_end|>", parseSpecialTokens: false);
        Assert.Equal(10, ids.Count);
        Assert.All(ids, id => Assert.InRange(id, 0, 255));
    }

    [Fact]
    public void Decode_SkipSpecial_DropsMarkers()
    {
        var tokenizer = new ByteTokenizer(ChatMarkers);
        Assert.Equal("hi", tokenizer.Decode(tokenizer.Encode("<|im_start|>hi<|im_end|>"), skipSpecialTokens: true));
    }

    [Fact]
    public void Encode_OverlappingMarkers_PrefersLongest()
    {
        var tokenizer = new ByteTokenizer(["<|a|>", "<|a|>x"]);
        Assert.Equal([tokenizer.SpecialTokenId("<|a|>x"), 'y'], tokenizer.Encode("<|a|>xy"));
    }

    [Fact]
    public void Decode_UnknownId_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ByteTokenizer().Decode([300]));

    [Fact]
    public void SpecialTokenId_Unknown_NamesKnownTokens() =>
        Assert.Contains("<|eos|>", Assert.Throws<KeyNotFoundException>(() => new ByteTokenizer().SpecialTokenId("<|x|>")).Message);

    [Fact]
    public void Constructor_DuplicateSpecial_Throws() =>
        Assert.Throws<ArgumentException>(() => new ByteTokenizer(["<|eos|>"]));

    [Fact]
    public void Spec_Create_RebuildsIdenticalTokenizer()
    {
        var tokenizer = new ByteTokenizer(ChatMarkers);
        var rebuilt = tokenizer.Spec.Create();
        Assert.Equal(tokenizer.VocabSize, rebuilt.VocabSize);
        Assert.Equal(tokenizer.SpecialTokens, rebuilt.SpecialTokens);
    }
}
