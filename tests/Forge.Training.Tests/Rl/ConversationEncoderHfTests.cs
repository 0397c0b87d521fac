using System.Text;
using Forge.Agents.ChatFormat;
using Forge.Agents.ChatTemplates;
using Forge.Agents.Tests.ChatTemplates;
using Forge.Core;
using Forge.Training.Rl;
using Forge.Training.Tokenization;

namespace Forge.Training.Tests.Rl;

/// <summary>
/// Token-in-token-out with a model's own chat template (Qwen3's real one): each turn's prompt ids are the previous prompt,
/// the ids generated at that turn and the encoded context after them — though the template re-renders earlier turns —
/// and the encoded trajectory trains exactly on the generated ids.
/// </summary>
public sealed class ConversationEncoderHfTests
{
    // Qwen's markers as extra special tokens of the byte tokenizer.
    private static readonly ByteTokenizer Tokenizer = new(["<|im_start|>", "<|im_end|>", "<|endoftext|>"]);

    private static Message Generated(IChatFormat format, string text, IReadOnlyList<ToolSpec> tools, int turn, bool stopped = true)
    {
        // The policy writes "<tool_call>" byte by byte and ends with the special <|im_end|> id: ids that no re-encoding of the rendered text would give.
        int[] ids = [.. Encoding.UTF8.GetBytes(text).Select(b => (int)b), .. stopped ? new[] { Tokenizer.SpecialTokenId("<|im_end|>") } : []];
        var message = format.Parse(text, tools, turn);
        return message with { TokenIds = ids, LogProbs = ids.Select((_, i) => -0.01f * (i + 1)).ToArray(), PolicyVersion = 1 };
    }

    [SkippableFact]
    public void Encode_Qwen3MultiTurnWithSecondUserMessage_EachPromptAppendsToThePrevious()
    {
        var format = HfChatFormat.For(RealTemplates.Qwen3());
        var encoder = ConversationEncoder.For(Tokenizer, format);
        var tools = Conversations.Tools;
        List<Message> conversation = [Message.System("Be kind."), Message.User("Hi!")];
        var turns = new (string Text, Message[] After)[]
        {
            ("<think>\nThey greet me.\n</think>\n\nHello!", [Message.User("Weather in Rome?")]),
            ("<think>\nUse the tool.\n</think>\n\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}\n</tool_call>", []),
            ("<think>\nDone.\n</think>\nRome is 25.", [Message.User("Thanks, bye")]),   // one newline after </think>: not the template's canonical form
            ("<think>\nbye\n</think>\n\nBye!", []),
        };

        int[]? previousPrompt = null;
        int[]? previousGenerated = null;
        var generated = new List<int[]>();
        for (var turn = 0; turn < turns.Length; turn++)
        {
            var prompt = encoder.Encode(conversation, tools, generationHeader: true).TokenIds;
            Assert.EndsWith("<|im_start|>assistant\n", Tokenizer.Decode(prompt));
            if (previousPrompt is not null)
                Assert.Equal([.. previousPrompt, .. previousGenerated!], prompt[..(previousPrompt.Length + previousGenerated!.Length)]);
            var action = Generated(format, turns[turn].Text, tools, turn);
            Assert.False(action.Malformed);
            conversation.Add(action);
            if (action.ToolCalls.Count > 0) conversation.Add(Message.ToolResult(action.ToolCalls[0].Id, "get_weather", "25"));
            conversation.AddRange(turns[turn].After);
            previousPrompt = prompt;
            previousGenerated = [.. action.TokenIds!];
            generated.Add(previousGenerated);
        }

        // The template itself drops the first answer's reasoning once a later user message comes; the encoding keeps every generated id.
        Assert.DoesNotContain("They greet me.", format.Template.Render(conversation, tools, false));
        var encoded = encoder.Encode(conversation, tools);
        Assert.True(encoded.HasOldLogProbs);
        var trained = encoded.TokenIds.Where((_, i) => encoded.LossMask[i]).ToArray();
        Assert.Equal(generated.SelectMany(g => g).ToArray(), trained);
        Assert.StartsWith(Tokenizer.Decode(previousPrompt!), Tokenizer.Decode(encoded.TokenIds));
        Assert.Contains("They greet me.", Tokenizer.Decode(encoded.TokenIds));
    }

    [SkippableFact]
    public void Encode_GenerationCutOff_ClosesTheTurnWithImEndAsContext()
    {
        var format = HfChatFormat.For(RealTemplates.Qwen3());
        var encoder = ConversationEncoder.For(Tokenizer, format);
        List<Message> conversation = [Message.User("Count to a million.")];
        var cut = Generated(format, "1, 2, 3", [], 0, stopped: false) with { Malformed = true };
        conversation.Add(cut);
        conversation.Add(Message.User("Too long."));
        var encoded = encoder.Encode(conversation, []);
        var end = Tokenizer.SpecialTokenId("<|im_end|>");
        var last = Array.LastIndexOf(encoded.LossMask, true);
        Assert.Equal(end, encoded.TokenIds[last + 1]);
        Assert.False(encoded.LossMask[last + 1]);
        Assert.Equal("\n<|im_start|>user\nToo long.<|im_end|>\n", Tokenizer.Decode(encoded.TokenIds[(last + 2)..]));
    }

    [SkippableFact]
    public void For_Llama_StopsOnEotAndEom()
    {
        var tokenizer = new ByteTokenizer(["<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<|eom_id|>", "<|python_tag|>"]);
        var encoder = ConversationEncoder.For(tokenizer, HfChatFormat.For(RealTemplates.Llama32()));
        Assert.Equal([tokenizer.SpecialTokenId("<|eot_id|>"), tokenizer.SpecialTokenId("<|eom_id|>")], encoder.EndOfTurnIds);
        var prompt = encoder.Encode([Message.User("Hi")], Conversations.Tools, generationHeader: true).TokenIds;
        Assert.Equal(tokenizer.SpecialTokenId("<|begin_of_text|>"), prompt[0]);
    }
}
