using Forge.Agents.ChatFormat;
using Forge.Agents.ChatTemplates;
using Forge.Core;

namespace Forge.Agents.Tests.ChatTemplates;

/// <summary>Rendering by appending with real templates: segments, policy text, and Qwen3's re-rendering of earlier turns.</summary>
public sealed class HfChatFormatTests
{
    public static TheoryData<string> AppendOnlyTemplates() => new(["qwen2.5", "llama3.2-vision", "llama3.1 (lenml)"]);

    private static HfChatTemplate Template(string label) => label switch
    {
        "qwen2.5" => RealTemplates.Qwen25(),
        "llama3.2-vision" => RealTemplates.Llama32(),
        "llama3.1 (lenml)" => RealTemplates.Llama31(),
        _ => RealTemplates.Qwen3(),
    };

    [SkippableTheory]
    [MemberData(nameof(AppendOnlyTemplates))]
    public void Render_TemplateThatOnlyAppends_SegmentsJoinToItsRendering(string label)
    {
        var format = HfChatFormat.For(Template(label));
        foreach (var (name, (messages, tools)) in Conversations.All)
        {
            if (label.StartsWith("llama", StringComparison.Ordinal) && messages.Any(m => m.ToolCalls.Count > 1)) continue;   // "only supports single tool-calls"
            foreach (var generation in new[] { false, true })
            {
                var segments = format.Render(messages, tools, generation);
                Assert.True(format.Template.Render(messages, tools, generation) == string.Concat(segments.Select(s => s.Text)), $"{label}/{name}/{generation}");
                var policy = segments.Where(s => s.Source == SegmentSource.Policy).ToList();
                Assert.Equal(messages.Count(m => m.Role == Role.Assistant), policy.Count);
                Assert.All(policy, s => Assert.EndsWith(format.EndOfTurn[0], s.Text));
            }
        }
    }

    [SkippableFact]
    public void Render_Qwen3_PolicyIsBodyAndImEndTheNewlineIsContext()
    {
        var format = HfChatFormat.For(RealTemplates.Qwen3());
        var (messages, tools) = Conversations.All["one-call"];
        var segments = format.Render(messages, tools);
        Assert.Equal(
            [
                (SegmentSource.Policy, "<think>\n\n</think>\n\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call><|im_end|>"),
                (SegmentSource.Context, "\n<|im_start|>user\n<tool_response>\n{\"temp\": 21, \"sky\": \"clear\"}\n</tool_response><|im_end|>\n<|im_start|>assistant\n"),
                (SegmentSource.Policy, "<think>\n\n</think>\n\nIt is 21 °C and clear in Paris.<|im_end|>"),
                (SegmentSource.Context, "\n"),
            ],
            segments.Skip(1).Select(s => (s.Source, s.Text)));
        Assert.EndsWith("<|im_start|>user\nWeather in Paris?<|im_end|>\n<|im_start|>assistant\n", segments[0].Text);
    }

    /// <summary>
    /// Qwen3's template drops the &lt;think&gt; blocks of assistant turns before the last user query, so its rendering of a
    /// longer conversation does not extend its rendering of a shorter one. The format still builds every prompt by appending:
    /// the prompt of each turn is the previous prompt, that turn's output and the context that followed.
    /// </summary>
    [SkippableFact]
    public void Render_Qwen3MultiTurn_EachPromptExtendsThePreviousOneThoughTheTemplateRerenders()
    {
        var format = HfChatFormat.For(RealTemplates.Qwen3());
        var (messages, tools) = Conversations.All["multi-turn"];
        var assistants = Enumerable.Range(0, messages.Count).Where(i => messages[i].Role == Role.Assistant).ToList();

        // The template itself re-renders: after the second user message, the first answer's reasoning is gone.
        var firstAnswered = format.Template.Render(messages.Take(assistants[0] + 1).ToList(), tools, false);
        var secondPrompt = format.Template.Render(messages.Take(assistants[1]).ToList(), tools, true);
        Assert.Contains("They greet me.", firstAnswered);
        Assert.DoesNotContain("They greet me.", secondPrompt);
        Assert.False(secondPrompt.StartsWith(firstAnswered.TrimEnd('\n'), StringComparison.Ordinal));

        // The format appends: prompt k+1 = prompt k + assistant k's policy text + the context after it.
        string? previousPrompt = null;
        string? previousPolicy = null;
        foreach (var at in assistants.Append(messages.Count))
        {
            var segments = format.Render(messages.Take(at).ToList(), tools, generationHeader: true);
            var prompt = string.Concat(segments.Select(s => s.Text));
            Assert.EndsWith("<|im_start|>assistant\n", prompt);
            if (previousPrompt is not null) Assert.StartsWith(previousPrompt + previousPolicy, prompt);
            if (at < messages.Count)
            {
                var withAnswer = format.Render(messages.Take(at + 1).ToList(), tools);
                Assert.StartsWith(prompt, string.Concat(withAnswer.Select(s => s.Text)));
                previousPolicy = withAnswer.Single(s => s.Source == SegmentSource.Policy && s.MessageIndex == at).Text;
            }
            previousPrompt = prompt;
        }
        Assert.Contains("<think>\nThey greet me.\n</think>\n\nHello!<|im_end|>", previousPrompt);
        Assert.EndsWith("<|im_end|>\n<|im_start|>user\nThanks, bye<|im_end|>\n<|im_start|>assistant\n", previousPrompt);
    }

    [SkippableFact]
    public void Render_Qwen3ThinkingOff_GenerationHeaderClosesAnEmptyThinkBlock()
    {
        var format = HfChatFormat.For(RealTemplates.Qwen3(), new Dictionary<string, object?> { ["enable_thinking"] = false });
        var (messages, tools) = Conversations.All["one-call-pending"];
        var segments = format.Render(messages, tools, generationHeader: true);
        Assert.EndsWith("</tool_response><|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n", segments[^1].Text);
    }

    [SkippableFact]
    public void Parse_Qwen3GeneratedText_RendersBackAsGenerated()
    {
        var format = HfChatFormat.For(RealTemplates.Qwen3());
        var (messages, tools) = Conversations.All["one-call-pending"];
        const string generated = "<think>\nCheck Oslo too.\n</think>\n\nSure.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\", \"unit\": \"c\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"note\", \"arguments\": {\"text\": \"ünï \\\"q\\\"\"}}\n</tool_call>";
        var message = format.Parse(generated, tools, 1);
        Assert.False(message.Malformed);
        var segments = format.Render([.. messages, message], tools);
        Assert.Equal(generated + "<|im_end|>", segments.Single(s => s.Source == SegmentSource.Policy && s.MessageIndex == messages.Count).Text);
        Assert.Equal("Check Oslo too.", format.ParseOutput(generated, tools, 1).Reasoning);
    }

    [SkippableFact]
    public void Parse_Llama32GeneratedCall_RendersBackAsGenerated()
    {
        var format = HfChatFormat.For(RealTemplates.Llama32());
        var (messages, tools) = (Conversations.All["user-only"].Messages, Conversations.Tools);
        const string generated = "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}";
        var message = format.Parse(generated, tools, 0);
        Assert.Equal("get_weather", Assert.Single(message.ToolCalls).Name);
        var segments = format.Render([.. messages, message], tools);
        Assert.Equal(generated + "<|eot_id|>", segments.Single(s => s.Source == SegmentSource.Policy).Text);
        Assert.Equal(["<|eot_id|>", "<|eom_id|>"], format.EndOfTurn);
    }

    [Fact]
    public void For_UnknownTemplate_SaysWhichItKnows()
    {
        var template = new HfChatTemplate("{% for m in messages %}{{ m.content }}</s>{% endfor %}", new Dictionary<string, string>());
        var e = Assert.Throws<NotSupportedException>(() => HfChatFormat.For(template));
        Assert.Contains("<|im_end|>", e.Message);
    }
}
