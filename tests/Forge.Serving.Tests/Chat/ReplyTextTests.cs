using Forge.Agents.ChatFormat;
using Forge.Serving.Chat;
using Forge.Training.Generation;
using Forge.Training.Tokenization;

namespace Forge.Serving.Tests.Chat;

/// <summary>Incremental reply text: stop strings across tokens, held-back prefixes, split UTF-8 characters, the end-of-turn token.</summary>
public sealed class ReplyTextTests
{
    private static readonly ByteTokenizer Tokenizer = new(ChatMarkers.All);
    private static readonly int End = Tokenizer.SpecialTokenId(ChatMarkers.EndOfTurn);

    private static (List<string> Deltas, ReplyText Text) Feed(string text, params string[] stops)
    {
        var reply = new ReplyText(Tokenizer, [End], stops);
        var deltas = new List<string>();
        foreach (var id in Tokenizer.Encode(text, parseSpecialTokens: true))
        {
            var delta = reply.Add(new DecodedToken(id, -0.1f, []));
            if (delta.Length > 0) deltas.Add(delta);
            if (reply.StopMatched) break;
        }
        if (reply.Flush() is { Length: > 0 } rest) deltas.Add(rest);
        return (deltas, reply);
    }

    [Fact]
    public void Add_StopStringAcrossTokens_CutBeforeItNeverShown()
    {
        var (deltas, reply) = Feed("Hello END there", "END");

        Assert.True(reply.StopMatched);
        Assert.Equal("Hello ", reply.Text);
        Assert.Equal("Hello ", string.Concat(deltas));
        Assert.DoesNotContain(deltas, d => d.Contains('E'));
    }

    [Fact]
    public void Add_PrefixOfAStopThatNeverCompletes_ReleasedInTheEnd()
    {
        var (deltas, reply) = Feed("Hello EN", "END");

        Assert.False(reply.StopMatched);
        Assert.Equal("Hello EN", string.Concat(deltas));
    }

    [Fact]
    public void Add_EarliestOfSeveralStops_Wins()
    {
        var (_, reply) = Feed("a-b.c", ".", "-");

        Assert.Equal("a", reply.Text);
    }

    [Fact]
    public void Add_MultiByteCharacterSplitOverTokens_HeldUntilWhole()
    {
        var (deltas, reply) = Feed("é€!");

        Assert.Equal("é€!", reply.Text);
        Assert.DoesNotContain(deltas, d => d.Contains('\uFFFD'));
    }

    [Fact]
    public void Add_EndOfTurnToken_KeptAmongTokensNotInText()
    {
        var (_, reply) = Feed("Hi" + ChatMarkers.EndOfTurn);

        Assert.Equal("Hi", reply.Text);
        Assert.Equal(3, reply.Tokens.Count);
        Assert.Equal(End, reply.Tokens[^1].Id);
    }
}
