using System.Text.Json;
using Forge.Agents.ChatFormat;
using Forge.Core;

namespace Forge.Agents.Tests.ChatFormat;

public sealed class AssistantParserTests
{
    private static readonly IReadOnlyList<ToolSpec> Tools = ChatFormatSamples.Tools;

    private static JsonElement Args(ToolCall call) => JsonDocument.Parse(call.ArgumentsJson).RootElement;

    [Fact]
    public void Parse_PlainText_ContentWithoutCalls()
    {
        var m = AssistantParser.Parse("  owl ", Tools, 0);
        Assert.Equal(Role.Assistant, m.Role);
        Assert.False(m.Malformed);
        Assert.Equal("owl", m.Content);
        Assert.Empty(m.ToolCalls);
    }

    [Fact]
    public void Parse_CompactCall_ArgumentsFromSchemaOrder()
    {
        var m = AssistantParser.Parse("let me see<call>lookup K3</call>", Tools, 2);
        Assert.False(m.Malformed);
        Assert.Equal("let me see", m.Content);
        var call = Assert.Single(m.ToolCalls);
        Assert.Equal(("call_2_0", "lookup"), (call.Id, call.Name));
        Assert.Equal("K3", Args(call).GetProperty("key").GetString());
    }

    [Fact]
    public void Parse_CompactTypedArguments_ConvertedBySchema()
    {
        var m = AssistantParser.Parse("<call>add 2 -40</call><call>note \"hello world\" true</call>", Tools, 0);
        Assert.False(m.Malformed);
        Assert.Equal(2, m.ToolCalls.Count);
        Assert.Equal(2, Args(m.ToolCalls[0]).GetProperty("a").GetInt64());
        Assert.Equal(-40, Args(m.ToolCalls[0]).GetProperty("b").GetInt64());
        Assert.Equal("hello world", Args(m.ToolCalls[1]).GetProperty("text").GetString());
        Assert.True(Args(m.ToolCalls[1]).GetProperty("pinned").GetBoolean());
        Assert.Equal("call_0_1", m.ToolCalls[1].Id);
    }

    [Fact]
    public void Parse_BareWordForIntegerParameter_LeftAsStringForTheToolToReject()
    {
        var m = AssistantParser.Parse("<call>add two 3</call>", Tools, 0);
        Assert.False(m.Malformed);
        Assert.Equal(JsonValueKind.String, Args(m.ToolCalls[0]).GetProperty("a").ValueKind);
    }

    [Fact]
    public void Parse_FullJsonCall_Accepted()
    {
        var m = AssistantParser.Parse("""<call>{"name":"add","arguments":{"a":1,"b":2}}</call>""", Tools, 1);
        Assert.False(m.Malformed);
        Assert.Equal("add", m.ToolCalls[0].Name);
        Assert.Equal(3, Args(m.ToolCalls[0]).GetProperty("a").GetInt32() + Args(m.ToolCalls[0]).GetProperty("b").GetInt32());
    }

    [Fact]
    public void Parse_FullJsonCallWithStringArguments_Accepted()
    {
        var m = AssistantParser.Parse("""<call>{"name":"lookup","arguments":"{\"key\":\"K1\"}"}</call>""", Tools, 1);
        Assert.False(m.Malformed);
        Assert.Equal("K1", Args(m.ToolCalls[0]).GetProperty("key").GetString());
    }

    [Theory]
    [InlineData("<call>lookup K3", "never closed")]
    [InlineData("owl</call>", "without")]
    [InlineData("<call>{\"name\":\"add\",\"arguments\":{\"a\":1,</call>", "not valid JSON")]
    [InlineData("<call>{\"arguments\":{}}</call>", "name")]
    [InlineData("<call>open K3</call>", "unknown tool 'open'")]
    [InlineData("<call>lookup K3 K4</call>", "takes 1 argument")]
    [InlineData("<call></call>", "names no tool")]
    [InlineData("<call>note \"unterminated</call>", "not valid JSON")]
    [InlineData("owl<|user|>more", "marker")]
    [InlineData("<call>lookup <call>lookup K1</call>", "inside a call")]
    public void Parse_MalformedOutput_FlaggedWithRawTextNeverThrows(string generated, string reason)
    {
        var m = AssistantParser.Parse(generated, Tools, 0, out var error);
        Assert.True(m.Malformed);
        Assert.Equal(generated, m.Content);
        Assert.Empty(m.ToolCalls);
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Parse_ArbitraryText_NeverThrows()
    {
        var random = new Random(1);
        const string alphabet = "<>/call{}\"[] ,:lookupaddK31\\|end";
        for (var i = 0; i < 3000; i++)
        {
            var chars = new char[random.Next(0, 30)];
            for (var j = 0; j < chars.Length; j++) chars[j] = alphabet[random.Next(alphabet.Length)];
            var m = AssistantParser.Parse(new string(chars), Tools, 0);
            Assert.Equal(Role.Assistant, m.Role);
        }
    }
}
