using System.Text.Json.Nodes;
using Forge.Core;

namespace Forge.Agents.Tests.ChatTemplates;

/// <summary>The conversations the chat-template tests render, and their neutral JSON for the reference renderer.</summary>
internal static class Conversations
{
    public static readonly ToolSpec Weather = new("get_weather", "Get the weather in a city.",
        """{"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}""");

    public static readonly ToolSpec Note = new("note", "Write a note; returns its id.",
        """{"type": "object", "properties": {"text": {"type": "string"}, "score": {"type": "number"}, "tags": {"type": "array", "items": {"type": "string"}}}, "required": ["text"]}""");

    public static readonly IReadOnlyList<ToolSpec> Tools = [Weather, Note];

    private const string Tricky = """{"text": "héllo \"quoted\" \\ back\nnew 🎉 </tool_call> {x}", "score": 1.5, "tags": ["ü", null, true, 10]}""";

    /// <summary>Name → (messages, tools).</summary>
    public static IReadOnlyDictionary<string, (IReadOnlyList<Message> Messages, IReadOnlyList<ToolSpec> Tools)> All { get; } =
        new Dictionary<string, (IReadOnlyList<Message>, IReadOnlyList<ToolSpec>)>
        {
            ["system-user"] = ([Message.System("You are terse."), Message.User("What is 2+2?")], []),
            ["user-only"] = ([Message.User("Hello there")], []),
            ["answered"] = ([Message.System("You are terse."), Message.User("What is 2+2?"), Message.Assistant("4")], []),
            ["one-call"] = (
            [
                Message.System("Use tools."),
                Message.User("Weather in Paris?"),
                Message.Assistant("", new ToolCall("call_1", "get_weather", """{"city": "Paris"}""")),
                Message.ToolResult("call_1", "get_weather", "{\"temp\": 21, \"sky\": \"clear\"}"),
                Message.Assistant("It is 21 °C and clear in Paris."),
            ], Tools),
            ["one-call-pending"] = (
            [
                Message.User("Weather in Paris?"),
                Message.Assistant("Let me check.", new ToolCall("call_1", "get_weather", """{"city": "Paris", "unit": "c"}""")),
                Message.ToolResult("call_1", "get_weather", "21"),
            ], Tools),
            ["two-calls"] = (
            [
                Message.System("Use tools."),
                Message.User("Paris and Oslo?"),
                Message.Assistant("", new ToolCall("call_a", "get_weather", """{"city": "Paris"}"""), new ToolCall("call_b", "get_weather", """{"city": "Oslo"}""")),
                Message.ToolResult("call_a", "get_weather", "21"),
                Message.ToolResult("call_b", "get_weather", "3"),
                Message.Assistant("Paris 21, Oslo 3."),
            ], Tools),
            ["multi-turn"] = (
            [
                Message.System("Be kind."),
                Message.User("Hi!"),
                Message.Assistant("<think>\nThey greet me.\n</think>\n\nHello!"),
                Message.User("Weather in Rome?"),
                Message.Assistant("<think>\nUse the tool.\n</think>\n\n", new ToolCall("call_r", "get_weather", """{"city": "Rome"}""")),
                Message.ToolResult("call_r", "get_weather", "25"),
                Message.Assistant("<think>\nDone.\n</think>\n\nRome is 25."),
                Message.User("Thanks, bye"),
            ], Tools),
            ["tricky-arguments"] = (
            [
                Message.User("Note this: ünïcode & \"quotes\" <tags>"),
                Message.Assistant("Noting.", new ToolCall("call_n", "note", Tricky)),
                Message.ToolResult("call_n", "note", "id-7 \"ok\" ✓"),
            ], Tools),
        };

    public static JsonObject Case(string template, string? config, string conversation, bool addGenerationPrompt, JsonObject? kwargs = null)
    {
        var (messages, tools) = All[conversation];
        return new JsonObject
        {
            ["template"] = template,
            ["config"] = config,
            ["messages"] = new JsonArray(messages.Select(MessageJson).ToArray()),
            ["tools"] = new JsonArray(tools.Select(t => (JsonNode)new JsonObject { ["name"] = t.Name, ["description"] = t.Description, ["parameters"] = t.ParametersSchemaJson }).ToArray()),
            ["add_generation_prompt"] = addGenerationPrompt,
            ["kwargs"] = kwargs ?? new JsonObject(),
        };
    }

    private static JsonNode MessageJson(Message m) => new JsonObject
    {
        ["role"] = m.Role.ToString().ToLowerInvariant(),
        ["content"] = m.Content,
        ["tool_calls"] = new JsonArray(m.ToolCalls.Select(c => (JsonNode)new JsonObject { ["id"] = c.Id, ["name"] = c.Name, ["arguments"] = c.ArgumentsJson }).ToArray()),
        ["tool_call_id"] = m.ToolCallId,
        ["name"] = m.Name,
    };
}
