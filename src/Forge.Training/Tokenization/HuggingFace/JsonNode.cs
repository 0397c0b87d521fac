using System.Text.Json;

namespace Forge.Training.Tokenization.HuggingFace;

/// <summary>A JSON value that knows its file and path, so every complaint about it can name both.</summary>
internal readonly record struct JsonNode(string File, string Path, JsonElement Element)
{
    public static JsonDocument Parse(string file)
    {
        if (!System.IO.File.Exists(file))
            throw new TokenizerFileException(file, null, "file not found.");
        try
        {
            using var stream = System.IO.File.OpenRead(file);
            return JsonDocument.Parse(stream, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw new TokenizerFileException(file, null, $"not valid JSON (line {e.LineNumber + 1}): {e.Message}", e);
        }
    }

    public JsonValueKind Kind => Element.ValueKind;

    public bool IsNull => Element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined;

    public TokenizerFileException Error(string message) => new(File, Path, message);

    /// <summary>The named property, or null when it is absent or JSON null.</summary>
    public JsonNode? Optional(string name)
    {
        RequireKind(JsonValueKind.Object);
        return Element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? new JsonNode(File, $"{Path}.{name}", value)
            : null;
    }

    public JsonNode Required(string name) =>
        Optional(name) ?? throw new TokenizerFileException(File, $"{Path}.{name}", "required field is missing.");

    public string String()
    {
        RequireKind(JsonValueKind.String);
        return Element.GetString()!;
    }

    public int Int()
    {
        RequireKind(JsonValueKind.Number);
        return Element.TryGetInt32(out var value) ? value : throw Error($"expected a 32-bit integer, got {Element.GetRawText()}.");
    }

    public bool Bool()
    {
        if (Element.ValueKind is JsonValueKind.True or JsonValueKind.False)
            return Element.GetBoolean();
        throw Error($"expected true or false, got {Describe()}.");
    }

    public string? OptionalString(string name) => Optional(name)?.String();

    public bool OptionalBool(string name, bool fallback) => Optional(name)?.Bool() ?? fallback;

    public IEnumerable<JsonNode> Items()
    {
        RequireKind(JsonValueKind.Array);
        var i = 0;
        foreach (var item in Element.EnumerateArray())
            yield return new JsonNode(File, $"{Path}[{i++}]", item);
    }

    public IEnumerable<(string Name, JsonNode Value)> Properties()
    {
        RequireKind(JsonValueKind.Object);
        foreach (var p in Element.EnumerateObject())
            yield return (p.Name, new JsonNode(File, $"{Path}[{JsonSerializer.Serialize(p.Name)}]", p.Value));
    }

    public void RequireKind(JsonValueKind kind)
    {
        if (Element.ValueKind != kind)
            throw Error($"expected {Name(kind)}, got {Describe()}.");
    }

    private string Describe() => Element.ValueKind switch
    {
        JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null => Element.GetRawText(),
        var kind => Name(kind),
    };

    private static string Name(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
