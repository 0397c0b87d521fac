using System.Text.Json;
using System.Text.Json.Nodes;

namespace Forge.Host.Checking;

/// <summary>Makes random JSON values shaped by a JSON schema (types, enums, ranges, required properties), for probing tools.</summary>
internal static class SchemaArguments
{
    private static readonly string[] Words = ["alpha", "42", "order-1001", "yes", "hello world", "", "3.5", "x"];

    /// <summary>A value for <paramref name="schema"/> drawn with <paramref name="random"/>.</summary>
    public static JsonNode? Generate(JsonElement schema, Random random, int depth = 0)
    {
        if (schema.ValueKind == JsonValueKind.True || schema.ValueKind != JsonValueKind.Object) return JsonValue.Create(Pick(Words, random));
        if (schema.TryGetProperty("const", out var constant)) return JsonNode.Parse(constant.GetRawText());
        if (schema.TryGetProperty("enum", out var options) && options.ValueKind == JsonValueKind.Array && options.GetArrayLength() > 0)
            return JsonNode.Parse(options[random.Next(options.GetArrayLength())].GetRawText());
        foreach (var keyword in new[] { "anyOf", "oneOf" })
            if (schema.TryGetProperty(keyword, out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0)
                return Generate(choices[random.Next(choices.GetArrayLength())], random, depth + 1);

        return TypeOf(schema, random) switch
        {
            "object" => Object(schema, random, depth),
            "array" => Array(schema, random, depth),
            "integer" => JsonValue.Create(Integer(schema, random)),
            "number" => JsonValue.Create(Math.Round(Integer(schema, random) + random.NextDouble(), 3)),
            "boolean" => JsonValue.Create(random.Next(2) == 0),
            "null" => null,
            _ => JsonValue.Create(Pick(Words, random)),
        };
    }

    /// <summary>Arguments for a tool whose parameters schema is <paramref name="schemaJson"/>, as JSON text.</summary>
    public static string ForTool(string schemaJson, Random random)
    {
        using var schema = JsonDocument.Parse(schemaJson);
        return (Generate(schema.RootElement, random) ?? new JsonObject()).ToJsonString();
    }

    private static string? TypeOf(JsonElement schema, Random random)
    {
        if (!schema.TryGetProperty("type", out var type)) return schema.TryGetProperty("properties", out _) ? "object" : null;
        if (type.ValueKind == JsonValueKind.String) return type.GetString();
        if (type.ValueKind != JsonValueKind.Array) return null;
        // ["string", "null"]: prefer the non-null type most of the time.
        var types = type.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!).ToList();
        var nonNull = types.Where(t => t != "null").ToList();
        return nonNull.Count > 0 && random.Next(5) > 0 ? Pick(nonNull, random) : types.FirstOrDefault();
    }

    private static JsonObject Object(JsonElement schema, Random random, int depth)
    {
        var result = new JsonObject();
        if (depth > 4 || !schema.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object) return result;
        var required = schema.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().Select(e => e.GetString()).ToHashSet()
            : [];
        foreach (var property in properties.EnumerateObject())
            if (required.Contains(property.Name) || random.Next(2) == 0)
                result[property.Name] = Generate(property.Value, random, depth + 1);
        return result;
    }

    private static JsonArray Array(JsonElement schema, Random random, int depth)
    {
        var result = new JsonArray();
        if (depth > 4) return result;
        var items = schema.TryGetProperty("items", out var i) ? i : default;
        var min = schema.TryGetProperty("minItems", out var m) && m.TryGetInt32(out var minItems) ? minItems : 0;
        for (var n = Math.Max(min, random.Next(4)); n > 0; n--)
            result.Add(items.ValueKind == JsonValueKind.Undefined ? JsonValue.Create(Pick(Words, random)) : Generate(items, random, depth + 1));
        return result;
    }

    private static long Integer(JsonElement schema, Random random)
    {
        var min = schema.TryGetProperty("minimum", out var lo) && lo.TryGetDouble(out var l) ? (long)Math.Ceiling(Math.Max(l, -1e9)) : -10;
        var max = schema.TryGetProperty("maximum", out var hi) && hi.TryGetDouble(out var h) ? (long)Math.Floor(Math.Min(h, 1e9)) : Math.Max(min, 0) + 100;
        return max <= min ? min : random.NextInt64(min, max + 1);
    }

    private static T Pick<T>(IReadOnlyList<T> items, Random random) => items[random.Next(items.Count)];
}
