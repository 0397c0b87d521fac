using System.Text;
using System.Text.Json;
using Forge.Agents.ChatFormat;
using Forge.Core;

namespace Forge.Agents.ChatTemplates.ToolCalls;

/// <summary>
/// Llama 3.1/3.2's JSON tool calls: a message that is a JSON object (optionally after <c>&lt;|python_tag|&gt;</c>)
/// <code>{"name": "get_weather", "parameters": {"city": "Paris"}}</code>
/// is a call ("arguments" is read too); several objects separated by whitespace or <c>;</c> are several calls. Any other
/// text is the answer. Text that starts like a call but isn't one (bad JSON, no name, an unknown tool), text after
/// <c>&lt;|python_tag|&gt;</c> that is not a JSON call (built-in tools are not offered) or a turn marker make the
/// message malformed. A leading <c>&lt;think&gt;</c> block is kept in the content and exposed as reasoning.
/// </summary>
public sealed class LlamaToolCallParser : IToolCallParser
{
    /// <summary>The token Llama writes before a tool call.</summary>
    public const string PythonTag = "<|python_tag|>";

    /// <summary>The parser for Llama 3.x's markers.</summary>
    public static LlamaToolCallParser Llama3 { get; } = new();

    private static readonly string[] TurnMarkers = ["<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<|eom_id|>", "<|begin_of_text|>", "<|end_of_text|>"];

    /// <inheritdoc />
    public AssistantOutput Parse(string generated, IReadOnlyList<ToolSpec> tools, int turnIndex)
    {
        ArgumentNullException.ThrowIfNull(generated);
        ArgumentNullException.ThrowIfNull(tools);
        foreach (var marker in TurnMarkers)
            if (generated.Contains(marker, StringComparison.Ordinal)) return AssistantOutput.Malformed(generated, $"the message contains the marker {marker}");
        if (ThinkBlock.Validate(generated) is { } thinkError) return AssistantOutput.Malformed(generated, thinkError);

        var (reasoning, answer) = ThinkBlock.Split(generated);
        var body = answer.Trim();
        var tagged = body.StartsWith(PythonTag, StringComparison.Ordinal);
        if (tagged) body = body[PythonTag.Length..].TrimStart();
        if (body.Contains(PythonTag, StringComparison.Ordinal)) return AssistantOutput.Malformed(generated, $"{PythonTag} inside the message");
        if (!body.StartsWith('{'))
        {
            if (tagged) return AssistantOutput.Malformed(generated, $"{PythonTag} is not followed by a JSON call (built-in tools are not offered)");
            return new AssistantOutput(new Message { Role = Role.Assistant, Content = generated.Trim() }, reasoning, null);
        }

        var calls = new List<ToolCall>();
        foreach (var (json, error) in JsonObjects(body))
        {
            if (error is not null) return AssistantOutput.Malformed(generated, error);
            string argumentsKey;
            using (var doc = JsonDocument.Parse(json))
                argumentsKey = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("parameters", out _) ? "parameters" : "arguments";
            var call = ToolCallSyntax.ParseJson(json, tools, $"call_{turnIndex}_{calls.Count}", argumentsKey, out var callError);
            if (call is null) return AssistantOutput.Malformed(generated, callError!);
            calls.Add(call);
        }
        var content = reasoning is null ? "" : generated[..(generated.LastIndexOf(ThinkBlock.Close, StringComparison.Ordinal) + ThinkBlock.Close.Length)].Trim();
        return new AssistantOutput(new Message { Role = Role.Assistant, Content = content, ToolCalls = calls }, reasoning, null);
    }

    // Splits "{…} ; {…}" into its JSON objects; an error for anything else.
    private static IEnumerable<(string Json, string? Error)> JsonObjects(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var offset = 0;
        while (true)
        {
            while (offset < bytes.Length && (bytes[offset] is (byte)';' or (byte)',' || char.IsWhiteSpace((char)bytes[offset]))) offset++;
            if (offset >= bytes.Length) yield break;
            if (bytes[offset] != (byte)'{') { yield return ("", "text after a tool call"); yield break; }
            var reader = new Utf8JsonReader(bytes.AsSpan(offset), new JsonReaderOptions { AllowMultipleValues = true });
            string? json = null, error = null;
            try
            {
                using var doc = JsonDocument.ParseValue(ref reader);
                json = doc.RootElement.GetRawText();
                offset += (int)reader.BytesConsumed;
            }
            catch (JsonException e) { error = $"the call is not valid JSON: {e.Message}"; }
            yield return (json ?? "", error);
            if (error is not null) yield break;
        }
    }
}
