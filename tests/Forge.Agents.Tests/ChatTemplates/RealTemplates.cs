using System.Text.Json.Nodes;
using Forge.Agents.ChatTemplates;

namespace Forge.Agents.Tests.ChatTemplates;

/// <summary>The real templates as <see cref="HfChatTemplate"/>s, on the tests' fixed clock.</summary>
internal static class RealTemplates
{
    public static HfChatTemplate Qwen3() => HfChatTemplate.FromConfig(Require(TestData.Qwen3Config), new TestClock());

    public static HfChatTemplate Llama31() => HfChatTemplate.FromConfig(Require(TestData.Llama31Config), new TestClock());

    /// <summary>A Hub template with the special tokens of <paramref name="config"/>.</summary>
    public static HfChatTemplate Hub(string model, string config)
    {
        var specials = JsonNode.Parse(File.ReadAllText(Require(config)))!.AsObject()
            .Where(p => p.Key is "bos_token" or "eos_token" or "pad_token" && p.Value is JsonValue)
            .ToDictionary(p => p.Key, p => p.Value!.GetValue<string>());
        return new HfChatTemplate(TestData.HubTemplate(model), specials, model, new TestClock());
    }

    public static HfChatTemplate Qwen25() => Hub("library/qwen2.5:0.5b", TestData.Qwen3Config);

    public static HfChatTemplate Llama32() => Hub("library/llama3.2-vision:latest", TestData.Llama31Config);

    private static string Require(string path)
    {
        TestData.Require();
        return path;
    }
}
