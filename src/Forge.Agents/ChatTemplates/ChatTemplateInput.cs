using System.Text.Json;
using Forge.Agents.ChatTemplates.Jinja;
using Forge.Core;

namespace Forge.Agents.ChatTemplates;

/// <summary>
/// Forge's messages and tools in the shape transformers' <c>apply_chat_template</c> receives them (OpenAI's):
/// <code>
/// {"role": "assistant", "content": "…", "tool_calls": [{"type": "function", "function": {"name": "…", "arguments": {…}}, "id": "…"}]}
/// {"role": "tool", "content": "…", "tool_call_id": "…", "name": "…"}
/// {"type": "function", "function": {"name": "…", "description": "…", "parameters": {…JSON schema…}}}
/// </code>
/// Arguments and schemas are parsed JSON (dicts with their key order kept); arguments that aren't a JSON object stay a string.
/// </summary>
internal static class ChatTemplateInput
{
    public static List<object?> Messages(IReadOnlyList<Message> conversation) => conversation.Select(m => (object?)Message(m)).ToList();

    public static PyDict Message(Message m)
    {
        var dict = new PyDict { ["role"] = RoleName(m.Role), ["content"] = m.Content };
        if (m.Role == Role.Assistant && m.ToolCalls.Count > 0)
            dict["tool_calls"] = m.ToolCalls.Select(c => (object?)new PyDict
            {
                ["type"] = "function",
                ["function"] = new PyDict { ["name"] = c.Name, ["arguments"] = Arguments(c.ArgumentsJson) },
                ["id"] = c.Id,
            }).ToList();
        if (m.Role == Role.Tool)
        {
            dict["tool_call_id"] = m.ToolCallId;
            dict["name"] = m.Name;
        }
        return dict;
    }

    /// <summary>The tool list, or None when there are no tools (as transformers passes <c>tools=None</c>).</summary>
    public static List<object?>? Tools(IReadOnlyList<ToolSpec> tools) => tools.Count == 0 ? null : tools.Select(t => (object?)new PyDict
    {
        ["type"] = "function",
        ["function"] = new PyDict { ["name"] = t.Name, ["description"] = t.Description, ["parameters"] = Schema(t) },
    }).ToList();

    public static string RoleName(Role role) => role switch
    {
        Role.System => "system",
        Role.User => "user",
        Role.Assistant => "assistant",
        Role.Tool => "tool",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "unknown role"),
    };

    private static object? Arguments(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "{}" : json);
            return doc.RootElement.ValueKind == JsonValueKind.Object ? PyJson.FromJson(doc.RootElement) : json;
        }
        catch (JsonException)
        {
            return json;
        }
    }

    private static object? Schema(ToolSpec tool)
    {
        try
        {
            using var doc = JsonDocument.Parse(tool.ParametersSchemaJson);
            return PyJson.FromJson(doc.RootElement);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"Tool '{tool.Name}' has a parameters schema that is not JSON: {e.Message}", nameof(tool), e);
        }
    }
}
