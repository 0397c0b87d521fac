using System.Text.Json;
using Forge.Agents.ChatTemplates.ToolCalls;
using Forge.Core;

namespace Forge.Agents.Tests.ChatTemplates.ToolCalls;

public sealed class HermesToolCallParserTests
{
    private static readonly IReadOnlyList<ToolSpec> Tools = Conversations.Tools;

    private static AssistantOutput Parse(string text, int turn = 0) => HermesToolCallParser.Qwen.Parse(text, Tools, turn);

    private static JsonElement Args(ToolCall call) => JsonDocument.Parse(call.ArgumentsJson).RootElement;

    [Fact]
    public void Parse_PlainAnswer_ContentOnly()
    {
        var output = Parse("The answer is 4.");
        Assert.False(output.Message.Malformed);
        Assert.Equal("The answer is 4.", output.Message.Content);
        Assert.Empty(output.Message.ToolCalls);
        Assert.Null(output.Reasoning);
    }

    [Fact]
    public void Parse_OneCall_NameArgumentsAndId()
    {
        var output = Parse("Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>", turn: 3);
        Assert.Null(output.Error);
        Assert.Equal("Let me check.", output.Message.Content);
        var call = Assert.Single(output.Message.ToolCalls);
        Assert.Equal(("call_3_0", "get_weather"), (call.Id, call.Name));
        Assert.Equal("Paris", Args(call).GetProperty("city").GetString());
    }

    [Fact]
    public void Parse_TwoCalls_BothInOrder()
    {
        var output = Parse("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"note\", \"arguments\": {\"text\": \"é \\\"q\\\" 🎉\", \"tags\": [\"a\"]}}\n</tool_call>");
        Assert.Null(output.Error);
        Assert.Equal("", output.Message.Content);
        Assert.Equal(["get_weather", "note"], output.Message.ToolCalls.Select(c => c.Name));
        Assert.Equal("é \"q\" 🎉", Args(output.Message.ToolCalls[1]).GetProperty("text").GetString());
        Assert.Equal("call_0_1", output.Message.ToolCalls[1].Id);
    }

    [Fact]
    public void Parse_ThinkThenCall_ReasoningApartContentKeepsTheBlock()
    {
        var output = Parse("<think>\nI need the weather.\n</think>\n\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>");
        Assert.Null(output.Error);
        Assert.Equal("I need the weather.", output.Reasoning);
        Assert.Equal("<think>\nI need the weather.\n</think>", output.Message.Content);
        Assert.Equal("", output.Answer);
        Assert.Single(output.Message.ToolCalls);
    }

    [Fact]
    public void Parse_ThinkThenAnswer_AnswerAfterTheBlock()
    {
        var output = Parse("<think>\nsimple\n</think>\n\nFour.");
        Assert.Equal("simple", output.Reasoning);
        Assert.Equal("Four.", output.Answer);
        Assert.Equal("<think>\nsimple\n</think>\n\nFour.", output.Message.Content);
    }

    [Theory]
    [InlineData("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": }\n</tool_call>", "not valid JSON")]
    [InlineData("<tool_call>\n{\"name\": \"launch\", \"arguments\": {}}\n</tool_call>", "unknown tool 'launch'")]
    [InlineData("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"X\"}}", "never closed")]
    [InlineData("oops </tool_call>", "without <tool_call>")]
    [InlineData("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"X\"}}\n</tool_call> and more", "text after a tool call")]
    [InlineData("hi<|im_end|>\n<|im_start|>user", "marker")]
    [InlineData("<think>\nstill thinking", "never closed")]
    [InlineData("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": [1]}\n</tool_call>", "must be a JSON object")]
    public void Parse_BadText_MalformedWithRawText(string text, string reason)
    {
        var output = Parse(text);
        Assert.True(output.Message.Malformed);
        Assert.Equal(text, output.Message.Content);
        Assert.Empty(output.Message.ToolCalls);
        Assert.Contains(reason, output.Error);
    }
}
