using Forge.Agents.ChatTemplates;
using Forge.Agents.Tests.ChatTemplates.Jinja;
using Forge.Core;

namespace Forge.Agents.Tests.ChatTemplates;

/// <summary>Hand-checked renderings of real templates, and loading from a model folder.</summary>
public sealed class HfChatTemplateTests
{
    [SkippableFact]
    public void Render_Qwen3WithTools_ExactText()
    {
        var text = RealTemplates.Qwen3().Render([Message.System("Use tools."), Message.User("Hi")], [Conversations.Weather], addGenerationPrompt: true);
        Assert.Equal(
            "<|im_start|>system\nUse tools.\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
            + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
            + "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Get the weather in a city.\", \"parameters\": "
            + "{\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\", \"description\": \"City name\"}, \"unit\": {\"type\": \"string\", \"enum\": [\"c\", \"f\"]}}, \"required\": [\"city\"]}}}\n"
            + "</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n"
            + "<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n"
            + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
            text);
    }

    [SkippableFact]
    public void Render_Qwen3AssistantCallsAndToolResults_ExactText()
    {
        var (messages, tools) = Conversations.All["two-calls"];
        var text = RealTemplates.Qwen3().Render(messages.Skip(1).ToList(), tools, addGenerationPrompt: false);
        Assert.EndsWith(
            "<|im_start|>user\nParis and Oslo?<|im_end|>\n"
            + "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n"
            + "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call><|im_end|>\n"
            + "<|im_start|>user\n<tool_response>\n21\n</tool_response>\n<tool_response>\n3\n</tool_response><|im_end|>\n"
            + "<|im_start|>assistant\n<think>\n\n</think>\n\nParis 21, Oslo 3.<|im_end|>\n",
            text);
    }

    [SkippableFact]
    public void Render_Llama32_DateFromTheClockAndBosToken()
    {
        var text = RealTemplates.Llama32().Render([Message.User("Hi")], [], addGenerationPrompt: true);
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 04 Dec 2026\n\n<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
            text);
    }

    [Fact]
    public void Load_ModelFolder_PrefersChatTemplateJinjaAndReadsAddedTokenObjects()
    {
        var folder = Directory.CreateTempSubdirectory("forge-template-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"),
                """{"chat_template": "unused", "bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>"}""");
            File.WriteAllText(Path.Combine(folder, "chat_template.jinja"), "{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m.content }}{{ eos_token }}{% endfor %}\n");
            var template = HfChatTemplate.Load(folder, new TestClock());
            Assert.Equal("<s>[user]hi</s>", template.Render([Message.User("hi")], [], false));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void FromConfig_NamedTemplates_UsesTheDefaultOne()
    {
        var folder = Directory.CreateTempSubdirectory("forge-template-").FullName;
        try
        {
            var config = Path.Combine(folder, "tokenizer_config.json");
            File.WriteAllText(config, """{"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D{{ messages|length }}"}]}""");
            Assert.Equal("D1", HfChatTemplate.FromConfig(config).Render([Message.User("x")], [], false));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void FromConfig_BrokenTemplate_NamesTheFileLineAndColumn()
    {
        var folder = Directory.CreateTempSubdirectory("forge-template-").FullName;
        try
        {
            var config = Path.Combine(folder, "tokenizer_config.json");
            File.WriteAllText(config, """{"chat_template": "{% for m in messages %}\n{{ m.content }\n{% endfor %}"}""");
            var e = Assert.Throws<Forge.Agents.ChatTemplates.Jinja.JinjaSyntaxException>(() => HfChatTemplate.FromConfig(config));
            Assert.Contains(config, e.Message);
            Assert.Equal((2, 14), (e.Line, e.Column));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Load_ConfigWithoutTemplate_SaysSo()
    {
        var folder = Directory.CreateTempSubdirectory("forge-template-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), """{"eos_token": "</s>"}""");
            var e = Assert.Throws<InvalidDataException>(() => HfChatTemplate.Load(folder));
            Assert.Contains("has no \"chat_template\"", e.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
