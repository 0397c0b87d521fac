using System.Text.Json;
using Forge.Agents.ChatTemplates.ToolCalls;
using Forge.Core;

namespace Forge.Agents.Tests.ChatTemplates.ToolCalls;

public sealed class LlamaToolCallParserTests
{
    private static AssistantOutput Parse(string text) => LlamaToolCallParser.Llama3.Parse(text, Conversations.Tools, 2);

    [Fact]
    public void Parse_PlainAnswer_ContentOnly()
    {
        var output = Parse(" It is sunny. ");
        Assert.False(output.Message.Malformed);
        Assert.Equal("It is sunny.", output.Message.Content);
        Assert.Empty(output.Message.ToolCalls);
    }

    [Theory]
    [InlineData("{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}")]
    [InlineData("<|python_tag|>{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}")]
    [InlineData("{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}")]
    public void Parse_JsonCall_OneCall(string text)
    {
        var output = Parse(text);
        Assert.Null(output.Error);
        var call = Assert.Single(output.Message.ToolCalls);
        Assert.Equal(("call_2_0", "get_weather"), (call.Id, call.Name));
        Assert.Equal("Paris", JsonDocument.Parse(call.ArgumentsJson).RootElement.GetProperty("city").GetString());
        Assert.Equal("", output.Message.Content);
    }

    [Fact]
    public void Parse_TwoJsonCalls_SeparatedBySemicolon()
    {
        var output = Parse("{\"name\": \"get_weather\", \"parameters\": {\"city\": \"A\"}}; {\"name\": \"note\", \"parameters\": {\"text\": \"ü\"}}");
        Assert.Null(output.Error);
        Assert.Equal(["get_weather", "note"], output.Message.ToolCalls.Select(c => c.Name));
    }

    [Fact]
    public void Parse_ThinkThenCall_ReasoningApart()
    {
        var output = Parse("<think>\nweather first\n</think>\n\n{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Rome\"}}");
        Assert.Null(output.Error);
        Assert.Equal("weather first", output.Reasoning);
        Assert.Equal("<think>\nweather first\n</think>", output.Message.Content);
        Assert.Single(output.Message.ToolCalls);
    }

    [Theory]
    [InlineData("{\"name\": \"get_weather\", \"parameters\": {\"city\": ", "not valid JSON")]
    [InlineData("{\"parameters\": {}}", "needs a string \"name\"")]
    [InlineData("{\"name\": \"rm\", \"parameters\": {}}", "unknown tool 'rm'")]
    [InlineData("<|python_tag|>print(1)", "not followed by a JSON call")]
    [InlineData("{\"name\": \"get_weather\", \"parameters\": {\"city\": \"A\"}} trailing", "text after a tool call")]
    [InlineData("hi<|eot_id|><|start_header_id|>user", "marker")]
    public void Parse_BadText_MalformedWithRawText(string text, string reason)
    {
        var output = Parse(text);
        Assert.True(output.Message.Malformed);
        Assert.Equal(text, output.Message.Content);
        Assert.Contains(reason, output.Error);
    }
}
