using System.Text.Json;
using Forge.Agents.SemanticKernel;

namespace Forge.Agents.Tests.SemanticKernel;

public sealed class SemanticKernelAgentOptionsTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    [Fact]
    public void FromScenario_FullSection_ReadsEveryOption()
    {
        var options = SemanticKernelAgentOptions.FromScenario(Json("""
            {"type":"semantic-kernel","endpoint":"http://localhost:8000/v1","model":"qwen2.5-7b","api_key_env":"MY_KEY","temperature":0.7,"max_tokens":256}
            """), "scenarios/sk.json");

        Assert.Equal(new Uri("http://localhost:8000/v1"), options.Endpoint);
        Assert.Equal(("qwen2.5-7b", "MY_KEY", 0.7, 256), (options.Model, options.ApiKeyEnvironmentVariable, options.Temperature, options.MaxTokens));
    }

    [Fact]
    public void FromScenario_BadSection_ReportsEveryProblemWithFileAndPath()
    {
        var e = Assert.Throws<FormatException>(() => SemanticKernelAgentOptions.FromScenario(Json("""
            {"type":"semantic-kernel","endpoint":"not a url","temperature":"hot","modle":"x"}
            """), "scenarios/sk.json"));

        var lines = e.Message.Split(Environment.NewLine);
        Assert.Contains("scenarios/sk.json: $.agent.endpoint: expected an absolute URL string", lines);
        Assert.Contains("scenarios/sk.json: $.agent.temperature: expected a number", lines);
        Assert.Contains(lines, l => l.StartsWith("scenarios/sk.json: $.agent.modle: unknown property"));
        Assert.Contains(lines, l => l.StartsWith("scenarios/sk.json: $.agent.model: required"));
        Assert.Equal(4, lines.Length);
    }
}
