using System.Text;
using System.Text.Json;
using Forge.Core;

namespace Forge.Serving.Api;

/// <summary>
/// Reads an OpenAI chat completion body into a <see cref="ChatRequest"/>. Every bad field is a 400 that names it by its
/// JSON path (<c>messages[1].tool_calls[0].function.name</c>); fields the server does not know are ignored, as OpenAI's
/// own clients send several.
/// </summary>
public static class ChatRequestReader
{
    /// <summary>Most stop strings.</summary>
    public const int MaxStop = 4;

    /// <summary>Most choices per request.</summary>
    public const int MaxN = 16;

    /// <summary>Reads <paramref name="body"/>.</summary>
    public static ChatRequest Read(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object) throw new ApiException(400, "the request body must be a JSON object.");
        var model = body.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String
            ? m.GetString()!
            : throw ApiException.BadField("model", "required, a string.");
        var tools = ReadTools(body);
        var (choice, choiceName) = ReadToolChoice(body, tools);
        var logProbs = Bool(body, "logprobs") ?? false;
        var top = Int(body, "top_logprobs", 0, 20) ?? 0;
        if (top > 0 && !logProbs) throw ApiException.BadField("top_logprobs", "needs \"logprobs\": true.");
        foreach (var penalty in new[] { "frequency_penalty", "presence_penalty" })
            if (Number(body, penalty, -2, 2) is { } p && p != 0)
                throw ApiException.BadField(penalty, "is not supported by this server; leave it out or 0.");
        if (body.TryGetProperty("response_format", out var format) && format.ValueKind == JsonValueKind.Object
            && format.TryGetProperty("type", out var type) && type.GetString() != "text")
            throw ApiException.BadField("response_format.type", $"'{type}' is not supported by this server; only \"text\".");
        var maxTokens = Int(body, "max_completion_tokens", 1, int.MaxValue) ?? Int(body, "max_tokens", 1, int.MaxValue);
        var streamOptions = body.TryGetProperty("stream_options", out var so) && so.ValueKind == JsonValueKind.Object ? so : default;
        return new ChatRequest
        {
            Model = model,
            Messages = ReadMessages(body),
            Tools = tools,
            ToolChoice = choice,
            ToolChoiceName = choiceName,
            Temperature = Number(body, "temperature", 0, 2) ?? 1.0,
            TopP = Number(body, "top_p", 0, 1, aboveMin: true) ?? 1.0,
            MaxTokens = maxTokens,
            Stop = ReadStop(body),
            N = Int(body, "n", 1, MaxN) ?? 1,
            Seed = Long(body, "seed"),
            LogProbs = logProbs,
            TopLogProbs = top,
            Stream = Bool(body, "stream") ?? false,
            IncludeUsage = streamOptions.ValueKind == JsonValueKind.Object && (Bool(streamOptions, "include_usage", "stream_options.") ?? false),
            IgnoreEos = Bool(body, "ignore_eos") ?? false,
        };
    }

    private static List<Message> ReadMessages(JsonElement body)
    {
        if (!body.TryGetProperty("messages", out var array) || array.ValueKind != JsonValueKind.Array)
            throw ApiException.BadField("messages", "required, an array of messages.");
        if (array.GetArrayLength() == 0) throw ApiException.BadField("messages", "must hold at least one message.");
        var messages = new List<Message>();
        var callNames = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            var at = $"messages[{i++}]";
            if (item.ValueKind != JsonValueKind.Object) throw ApiException.BadField(at, "expected an object.");
            var role = item.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            switch (role)
            {
                case "system" or "developer":
                    messages.Add(Message.System(Content(item, at, required: true)));
                    break;
                case "user":
                    messages.Add(Message.User(Content(item, at, required: true)));
                    break;
                case "assistant":
                    var calls = ReadCalls(item, at);
                    foreach (var call in calls) callNames[call.Id] = call.Name;
                    messages.Add(new Message { Role = Role.Assistant, Content = Content(item, at, required: calls.Count == 0), ToolCalls = calls });
                    break;
                case "tool":
                    var id = item.TryGetProperty("tool_call_id", out var tid) && tid.ValueKind == JsonValueKind.String
                        ? tid.GetString()!
                        : throw ApiException.BadField($"{at}.tool_call_id", "required for a tool message, a string.");
                    if (!callNames.TryGetValue(id, out var name))
                        throw ApiException.BadField($"{at}.tool_call_id", $"'{id}' answers no tool call of an earlier assistant message.");
                    messages.Add(Message.ToolResult(id, name, Content(item, at, required: true)));
                    break;
                default:
                    throw ApiException.BadField($"{at}.role", "expected system, developer, user, assistant or tool.");
            }
        }
        return messages;
    }

    // A string, or an array of text parts joined.
    private static string Content(JsonElement message, string at, bool required)
    {
        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
            return required ? throw ApiException.BadField($"{at}.content", "required, a string or an array of text parts.") : "";
        if (content.ValueKind == JsonValueKind.String) return content.GetString()!;
        if (content.ValueKind != JsonValueKind.Array) throw ApiException.BadField($"{at}.content", "expected a string or an array of text parts.");
        var text = new StringBuilder();
        var j = 0;
        foreach (var part in content.EnumerateArray())
        {
            var partAt = $"{at}.content[{j++}]";
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.GetString() != "text"
                || !part.TryGetProperty("text", out var t) || t.ValueKind != JsonValueKind.String)
                throw ApiException.BadField($"{partAt}.type", "only text parts ({\"type\": \"text\", \"text\": …}) are supported.");
            text.Append(t.GetString());
        }
        return text.ToString();
    }

    private static List<ToolCall> ReadCalls(JsonElement message, string at)
    {
        if (!message.TryGetProperty("tool_calls", out var array) || array.ValueKind == JsonValueKind.Null) return [];
        if (array.ValueKind != JsonValueKind.Array) throw ApiException.BadField($"{at}.tool_calls", "expected an array.");
        var calls = new List<ToolCall>();
        var k = 0;
        foreach (var call in array.EnumerateArray())
        {
            var callAt = $"{at}.tool_calls[{k++}]";
            var id = call.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString()! : throw ApiException.BadField($"{callAt}.id", "required, a string.");
            if (!call.TryGetProperty("function", out var f) || f.ValueKind != JsonValueKind.Object) throw ApiException.BadField($"{callAt}.function", "required, an object.");
            var name = f.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : throw ApiException.BadField($"{callAt}.function.name", "required, a string.");
            var arguments = f.TryGetProperty("arguments", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : throw ApiException.BadField($"{callAt}.function.arguments", "required, a JSON string.");
            calls.Add(new ToolCall(id, name, arguments));
        }
        return calls;
    }

    private static List<ToolSpec> ReadTools(JsonElement body)
    {
        if (!body.TryGetProperty("tools", out var array) || array.ValueKind == JsonValueKind.Null) return [];
        if (array.ValueKind != JsonValueKind.Array) throw ApiException.BadField("tools", "expected an array.");
        var tools = new List<ToolSpec>();
        var i = 0;
        foreach (var tool in array.EnumerateArray())
        {
            var at = $"tools[{i++}]";
            if (tool.ValueKind != JsonValueKind.Object || !tool.TryGetProperty("type", out var type) || type.GetString() != "function")
                throw ApiException.BadField($"{at}.type", "only \"function\" tools are supported.");
            if (!tool.TryGetProperty("function", out var f) || f.ValueKind != JsonValueKind.Object) throw ApiException.BadField($"{at}.function", "required, an object.");
            var name = f.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String && n.GetString()!.Length > 0
                ? n.GetString()!
                : throw ApiException.BadField($"{at}.function.name", "required, a non-empty string.");
            if (tools.Any(t => t.Name == name)) throw ApiException.BadField($"{at}.function.name", $"'{name}' is offered twice.");
            var description = f.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : "";
            var parameters = f.TryGetProperty("parameters", out var p) && p.ValueKind != JsonValueKind.Null ? p : default;
            if (parameters.ValueKind is not (JsonValueKind.Object or JsonValueKind.Undefined))
                throw ApiException.BadField($"{at}.function.parameters", "expected a JSON schema object.");
            tools.Add(new ToolSpec(name, description, parameters.ValueKind == JsonValueKind.Object ? parameters.GetRawText() : """{"type":"object","properties":{}}"""));
        }
        return tools;
    }

    private static (ToolChoiceMode, string?) ReadToolChoice(JsonElement body, List<ToolSpec> tools)
    {
        if (!body.TryGetProperty("tool_choice", out var choice) || choice.ValueKind == JsonValueKind.Null)
            return (ToolChoiceMode.Auto, null);
        if (choice.ValueKind == JsonValueKind.String)
        {
            var mode = choice.GetString() switch
            {
                "auto" => ToolChoiceMode.Auto,
                "none" => ToolChoiceMode.None,
                "required" => ToolChoiceMode.Required,
                var other => throw ApiException.BadField("tool_choice", $"'{other}': expected auto, none, required or {{\"type\": \"function\", \"function\": {{\"name\": …}}}}."),
            };
            if (mode == ToolChoiceMode.Required && tools.Count == 0) throw ApiException.BadField("tool_choice", "\"required\" needs tools.");
            return (mode, null);
        }
        if (choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("function", out var f) && f.ValueKind == JsonValueKind.Object
            && f.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String)
        {
            var name = n.GetString()!;
            if (tools.All(t => t.Name != name)) throw ApiException.BadField("tool_choice.function.name", $"'{name}' is not among the tools.");
            return (ToolChoiceMode.Named, name);
        }
        throw ApiException.BadField("tool_choice", "expected auto, none, required or {\"type\": \"function\", \"function\": {\"name\": …}}.");
    }

    private static List<string> ReadStop(JsonElement body)
    {
        if (!body.TryGetProperty("stop", out var stop) || stop.ValueKind == JsonValueKind.Null) return [];
        List<string> strings = stop.ValueKind switch
        {
            JsonValueKind.String => [stop.GetString()!],
            JsonValueKind.Array when stop.EnumerateArray().All(s => s.ValueKind == JsonValueKind.String) => [.. stop.EnumerateArray().Select(s => s.GetString()!)],
            _ => throw ApiException.BadField("stop", "expected a string or an array of strings."),
        };
        if (strings.Count > MaxStop) throw ApiException.BadField("stop", $"at most {MaxStop} stop strings (got {strings.Count}).");
        if (strings.Any(s => s.Length == 0)) throw ApiException.BadField("stop", "stop strings must not be empty.");
        return strings;
    }

    /// <summary>The number <paramref name="name"/> in [min, max], or in (min, max] when <paramref name="aboveMin"/>; null when absent.</summary>
    private static double? Number(JsonElement body, string name, double min, double max, bool aboveMin = false)
    {
        if (!body.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out var x) || x < min || (aboveMin && x == min) || x > max)
            throw ApiException.BadField(name, $"expected a number in {(aboveMin ? "(" : "[")}{min:0.##}, {max:0.##}] (got {v.GetRawText()}).");
        return x;
    }

    private static int? Int(JsonElement body, string name, int min, int max)
    {
        if (!body.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var x) || x < min || x > max)
            throw ApiException.BadField(name, max == int.MaxValue ? $"expected an integer ≥ {min} (got {v.GetRawText()})." : $"expected an integer in [{min}, {max}] (got {v.GetRawText()}).");
        return x;
    }

    private static long? Long(JsonElement body, string name)
    {
        if (!body.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var x) ? x : throw ApiException.BadField(name, $"expected an integer (got {v.GetRawText()}).");
    }

    private static bool? Bool(JsonElement body, string name, string prefix = "")
    {
        if (!body.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw ApiException.BadField(prefix + name, $"expected true or false (got {v.GetRawText()}).");
    }
}
