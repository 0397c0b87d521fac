using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Forge.Core;

namespace Forge.Agents.ChatFormat;

/// <summary>
/// The text between <c>&lt;call&gt;</c> and <c>&lt;/call&gt;</c>. Two forms are read:
/// the compact form <c>lookup K3</c> (the tool's name, then its arguments in the order of its schema's properties,
/// separated by spaces; a value with spaces or quotes is a JSON string literal; arrays and objects are JSON), which a tiny
/// byte-level model can learn, and the full form <c>{"name":"lookup","arguments":{"key":"K3"}}</c>.
/// Calls are always written in the compact form.
/// </summary>
public static partial class ToolCallSyntax
{
    /// <summary>The names of a tool's parameters, in schema order.</summary>
    public static IReadOnlyList<string> ParameterNames(ToolSpec tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        return Parameters(tool).Select(p => p.Name).ToList();
    }

    /// <summary>Writes <paramref name="call"/> in compact form; arguments that don't fit <paramref name="tool"/>'s schema (or no schema) fall back to the full form.</summary>
    public static string Format(ToolCall call, ToolSpec? tool)
    {
        ArgumentNullException.ThrowIfNull(call);
        JsonObject? arguments;
        try { arguments = JsonNode.Parse(string.IsNullOrWhiteSpace(call.ArgumentsJson) ? "{}" : call.ArgumentsJson) as JsonObject; }
        catch (JsonException) { arguments = null; }
        if (tool is null || arguments is null || !IsName(call.Name)) return FullForm(call);

        var parameters = Parameters(tool);
        if (arguments.Any(a => parameters.All(p => p.Name != a.Key))) return FullForm(call);
        var sb = new StringBuilder(call.Name);
        var skipped = false;
        foreach (var (name, _) in parameters)
        {
            if (!arguments.TryGetPropertyValue(name, out var value)) { skipped = true; continue; }
            if (skipped) return FullForm(call);   // a later argument after a missing one can't be positional
            sb.Append(' ').Append(FormatValue(value));
        }
        return sb.ToString();
    }

    /// <summary>Reads one call body. Returns null and an error when it is not a call of an offered tool.</summary>
    public static ToolCall? Parse(string body, IReadOnlyList<ToolSpec> tools, string callId, out string? error)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(tools);
        var text = body.Trim();
        return text.StartsWith('{') ? ParseFull(text, tools, callId, out error) : ParseCompact(text, tools, callId, out error);
    }

    private static ToolCall? ParseFull(string text, IReadOnlyList<ToolSpec> tools, string callId, out string? error) =>
        ParseJson(text, tools, callId, "arguments", out error);

    /// <summary>
    /// Reads a JSON call <c>{"name": …, "&lt;argumentsKey&gt;": {…}}</c> (arguments may also be a JSON string holding an object).
    /// Returns null and an error when it is not a call of an offered tool.
    /// </summary>
    internal static ToolCall? ParseJson(string text, IReadOnlyList<ToolSpec> tools, string callId, string argumentsKey, out string? error)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(text); }
        catch (JsonException e) { error = $"the call is not valid JSON: {e.Message}"; return null; }
        if (root is not JsonObject obj || obj["name"] is not JsonValue nameValue || !nameValue.TryGetValue<string>(out var name))
        {
            error = "a JSON call needs a string \"name\"";
            return null;
        }
        if (tools.All(t => t.Name != name)) { error = $"unknown tool '{name}'"; return null; }
        var arguments = obj[argumentsKey];
        string json;
        switch (arguments)
        {
            case null: json = "{}"; break;
            case JsonObject o: json = o.ToJsonString(); break;
            case JsonValue v when v.TryGetValue<string>(out var s):
                try { json = JsonNode.Parse(s) is JsonObject inner ? inner.ToJsonString() : throw new JsonException("not an object"); }
                catch (JsonException e) { error = $"\"{argumentsKey}\" is not a JSON object: {e.Message}"; return null; }
                break;
            default: error = $"\"{argumentsKey}\" must be a JSON object"; return null;
        }
        error = null;
        return new ToolCall(callId, name, json);
    }

    private static ToolCall? ParseCompact(string text, IReadOnlyList<ToolSpec> tools, string callId, out string? error)
    {
        var nameEnd = 0;
        while (nameEnd < text.Length && !char.IsWhiteSpace(text[nameEnd])) nameEnd++;
        var name = text[..nameEnd];
        if (name.Length == 0) { error = "the call names no tool"; return null; }
        var tool = tools.FirstOrDefault(t => t.Name == name);
        if (tool is null) { error = $"unknown tool '{name}'"; return null; }

        var values = new List<(string Text, bool Bare)>();
        var rest = text.AsSpan(nameEnd);
        while (true)
        {
            rest = rest.TrimStart();
            if (rest.IsEmpty) break;
            if (rest[0] is '"' or '[' or '{')
            {
                var bytes = Encoding.UTF8.GetBytes(rest.ToString());
                var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { AllowMultipleValues = true });
                try
                {
                    using var doc = JsonDocument.ParseValue(ref reader);
                    values.Add((doc.RootElement.GetRawText(), false));
                    rest = rest[Encoding.UTF8.GetCharCount(bytes.AsSpan(0, (int)reader.BytesConsumed))..];
                }
                catch (JsonException e) { error = $"argument {values.Count + 1} of '{name}' is not valid JSON: {e.Message}"; return null; }
                if (!rest.IsEmpty && !char.IsWhiteSpace(rest[0])) { error = $"argument {values.Count} of '{name}' runs into the next one"; return null; }
                continue;
            }
            var end = 0;
            while (end < rest.Length && !char.IsWhiteSpace(rest[end])) end++;
            values.Add((rest[..end].ToString(), true));
            rest = rest[end..];
        }

        var parameters = Parameters(tool);
        if (values.Count > parameters.Count)
        {
            error = $"'{name}' takes {parameters.Count} argument{(parameters.Count == 1 ? "" : "s")}, got {values.Count}";
            return null;
        }
        var arguments = new JsonObject();
        for (var i = 0; i < values.Count; i++)
            arguments[parameters[i].Name] = values[i].Bare ? Typed(values[i].Text, parameters[i].Type) : JsonNode.Parse(values[i].Text);
        error = null;
        return new ToolCall(callId, name, arguments.ToJsonString());
    }

    // A bare word takes the schema's type when it reads as one; otherwise it stays a string for the tool to reject.
    private static JsonNode? Typed(string word, string? type) => type switch
    {
        "integer" when long.TryParse(word, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => JsonValue.Create(l),
        "number" when double.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) => JsonValue.Create(d),
        "boolean" when word is "true" or "false" => JsonValue.Create(word == "true"),
        _ => JsonValue.Create(word),
    };

    private static string FormatValue(JsonNode? value)
    {
        if (value is JsonValue v && v.TryGetValue<string>(out var s))
            return IsPlainWord(s) ? s : JsonSerializer.Serialize(s);
        return value?.ToJsonString() ?? "null";
    }

    // A string written bare must read back as the same string: no spaces, quotes or brackets, and not something a typed parameter would convert.
    private static bool IsPlainWord(string s) =>
        PlainWord().IsMatch(s) && s is not ("true" or "false" or "null") && !double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static string FullForm(ToolCall call)
    {
        JsonNode? arguments;
        try { arguments = JsonNode.Parse(string.IsNullOrWhiteSpace(call.ArgumentsJson) ? "{}" : call.ArgumentsJson); }
        catch (JsonException) { arguments = JsonValue.Create(call.ArgumentsJson); }
        return new JsonObject { ["name"] = call.Name, ["arguments"] = arguments }.ToJsonString();
    }

    private static bool IsName(string name) => name.Length > 0 && !name.Any(char.IsWhiteSpace) && name[0] != '{';

    private static List<(string Name, string? Type)> Parameters(ToolSpec tool)
    {
        var result = new List<(string, string?)>();
        try
        {
            using var doc = JsonDocument.Parse(tool.ParametersSchemaJson);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
                foreach (var p in properties.EnumerateObject())
                    result.Add((p.Name, p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null));
        }
        catch (JsonException)
        {
            // A tool with an unreadable schema takes no positional arguments; the full form still works.
        }
        return result;
    }

    [GeneratedRegex(@"^[^\s""\[\]{}<>]+$")]
    private static partial Regex PlainWord();
}
