using Forge.Core;
using Forge.Training.Rl;
using Forge.Training.Tokenization;

namespace Forge.Training.Tests.Rl;

public sealed class ReasoningSpanTests
{
    private static int? Count(ITokenizer tokenizer, string text)
    {
        var ids = tokenizer.Encode(text);
        Assert.Equal(text, tokenizer.Decode(ids));
        return ReasoningSpan.Count(tokenizer, ids, text);
    }

    [Fact]
    public void Count_ByteTokenizerSpelledOutTags_CountsTheBytesBetweenThem()
    {
        var bytes = new ByteTokenizer();
        Assert.Equal(6, Count(bytes, "<think>\nab c\n</think>\n\nanswer"));   // "\nab c\n": 6 bytes, one token each
        Assert.Equal(4, Count(bytes, "wxyz</think>answer"));                 // opened by the prompt: from the start
        Assert.Equal(0, Count(bytes, "<think></think>answer"));
        Assert.Null(Count(bytes, "just an answer"));
    }

    [Fact]
    public void Count_TagsAsSpecialTokens_ExcludesThemAndTheAnswer()
    {
        var tokenizer = new ByteTokenizer([ThinkBlock.Open, ThinkBlock.Close]);
        var text = "<think>\nhé\n</think>\n\nok";
        Assert.Equal(5, Count(tokenizer, text));   // "\nhé\n": é is 2 bytes; the tags are one token each
    }

    [Fact]
    public void Count_Gpt2WithSpecialTags_EqualsTheReasoningEncodedAlone()
    {
        var gpt2 = new Gpt2Tokenizer([ThinkBlock.Open, ThinkBlock.Close]);
        const string reasoning = "\nThe vault code is 42, so I call open.\n";
        Assert.Equal(gpt2.Encode(reasoning).Count, Count(gpt2, $"<think>{reasoning}</think>\n\nopen(42)"));
    }
}
