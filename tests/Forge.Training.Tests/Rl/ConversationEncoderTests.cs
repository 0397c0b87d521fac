using System.Text;
using Forge.Agents.ChatFormat;
using Forge.Core;
using Forge.Training.Rl;
using Forge.Training.Tokenization;

namespace Forge.Training.Tests.Rl;

public sealed class ConversationEncoderTests
{
    private static readonly ByteTokenizer Tokenizer = new(ChatMarkers.All);
    private static readonly ConversationEncoder Encoder = ConversationEncoder.For(Tokenizer, new ChatTemplate { ToolDescriptions = false });
    private static readonly IReadOnlyList<ToolSpec> Tools =
        [new("lookup", "Look up a key.", """{"type":"object","properties":{"key":{"type":"string"}},"required":["key"]}""")];

    private static int Special(string marker) => Tokenizer.SpecialTokenId(marker);

    private static Message Generated(int[] ids, int turn)
    {
        var end = Special(ChatMarkers.EndOfTurn);
        var body = ids.Length > 0 && ids[^1] == end ? ids[..^1] : ids;
        var logProbs = ids.Select((_, i) => -0.1f * (i + 1)).ToArray();
        return AssistantParser.Parse(Tokenizer.Decode(body), Tools, turn) with { TokenIds = ids, LogProbs = logProbs, PolicyVersion = 3 };
    }

    [Fact]
    public void Encode_RenderGenerateRecordRebuild_IdenticalIdsAndMasks()
    {
        var end = Special(ChatMarkers.EndOfTurn);
        List<Message> conversation = [Message.System("Open vaults."), Message.User("Open vault K3.")];

        // Turn 0: the policy spells "<call>" as six plain bytes instead of the special token: text that would re-tokenize differently.
        var prompt0 = Encoder.Encode(conversation, Tools, generationHeader: true).TokenIds;
        int[] generated0 = [.. Encoding.UTF8.GetBytes("<call>lookup K3").Select(b => (int)b), Special(ChatMarkers.CallClose), end];
        var action0 = Generated(generated0, 0);
        Assert.False(action0.Malformed);
        Assert.Equal("lookup", Assert.Single(action0.ToolCalls).Name);
        conversation.Add(action0);
        conversation.Add(Message.ToolResult(action0.ToolCalls[0].Id, "lookup", "owl"));

        // Turn 1: cut off by the token budget, without an end marker.
        var prompt1 = Encoder.Encode(conversation, Tools, generationHeader: true).TokenIds;
        Assert.Equal([.. prompt0, .. generated0], prompt1.Take(prompt0.Length + generated0.Length));
        int[] generated1 = [.. Encoding.UTF8.GetBytes("owl").Select(b => (int)b)];
        conversation.Add(Generated(generated1, 1));

        var rebuilt = Encoder.Encode(conversation, Tools);
        Assert.Equal([.. prompt1, .. generated1, end], rebuilt.TokenIds);
        var expectedMask = new bool[rebuilt.Length];
        for (var i = 0; i < generated0.Length; i++) expectedMask[prompt0.Length + i] = true;
        for (var i = 0; i < generated1.Length; i++) expectedMask[prompt1.Length + i] = true;
        Assert.Equal(expectedMask, rebuilt.LossMask);
        Assert.True(rebuilt.HasOldLogProbs);
        Assert.Equal(-0.1f, rebuilt.OldLogProbs[prompt0.Length]);
        Assert.Equal(-0.3f, rebuilt.OldLogProbs[prompt1.Length + 2]);
        Assert.Equal(0f, rebuilt.OldLogProbs[^1]);   // the closing end marker is context
        Assert.NotEqual(Tokenizer.Encode(Tokenizer.Decode(rebuilt.TokenIds)), rebuilt.TokenIds);   // re-tokenizing would have drifted
    }

    [Fact]
    public void Encode_HandBuiltConversation_MaskOnlyOnAssistantBodies()
    {
        var conversation = new[]
        {
            Message.System("S"), Message.User("U"),
            Message.Assistant("", new ToolCall("c", "lookup", """{"key":"K1"}""")),
            Message.ToolResult("c", "lookup", "T"),
            Message.Assistant("A"),
        };
        var encoded = Encoder.Encode(conversation, Tools);
        int sys = Special(ChatMarkers.System), usr = Special(ChatMarkers.User), asst = Special(ChatMarkers.Assistant), tool = Special(ChatMarkers.Tool),
            end = Special(ChatMarkers.EndOfTurn), open = Special(ChatMarkers.CallOpen), close = Special(ChatMarkers.CallClose);
        int[] toolList = [.. Tokenizer.Encode("\ntools:\n"), open, .. Tokenizer.Encode("lookup key"), close];
        int[] call = [open, .. Tokenizer.Encode("lookup K1"), close, end];
        int[] expected = [sys, 'S', .. toolList, end, usr, 'U', end, asst, .. call, tool, 'T', end, asst, 'A', end];
        Assert.Equal(expected, encoded.TokenIds);
        var policyStart1 = expected.Length - 6 - call.Length;   // then tool, T, end, asst, A, end
        var mask = new bool[expected.Length];
        for (var i = 0; i < call.Length; i++) mask[policyStart1 + i] = true;
        mask[^2] = mask[^1] = true;   // "A" and its end marker
        Assert.Equal(mask, encoded.LossMask);
        Assert.False(encoded.HasOldLogProbs);   // a demonstration: no recorded log-probs
    }

    [Fact]
    public void Encode_ToolResultContainingMarkers_EncodedAsPlainBytes()
    {
        var encoded = Encoder.Encode([Message.User("hi"), Message.ToolResult("c", "lookup", "<|end|>")], Tools);
        Assert.Equal(3, encoded.TokenIds.Count(id => id == Special(ChatMarkers.EndOfTurn)));   // system, user, tool: none forged
    }

    [Fact]
    public void Encode_LogProbCountMismatch_InvalidData()
    {
        var bad = Message.Assistant("x") with { TokenIds = [1, 2], LogProbs = [0f] };
        Assert.Throws<InvalidDataException>(() => Encoder.Encode([Message.User("u"), bad], Tools));
    }

    [Fact]
    public void ForTraining_DropsContextAfterLastPolicyTokenAndCapsLength()
    {
        var encoded = new EncodedConversation([1, 2, 3, 4, 5, 6], [false, true, true, false, false, false], [0, -1, -2, 0, 0, 0], true);
        Assert.Equal([1, 2, 3], encoded.ForTraining(100).TokenIds);
        Assert.Equal([1, 2], encoded.ForTraining(2).TokenIds);
        Assert.Equal([false, true], encoded.ForTraining(2).LossMask);
    }
}
