using Forge.Host.Registry;
using System.Text.Json;

namespace Forge.Host.Scenarios;

/// <summary>Reads typed values out of a JSON document while collecting every problem, each named by file and JSON path.</summary>
internal sealed class JsonChecker(string file)
{
    private readonly List<string> _problems = [];

    public IReadOnlyList<string> Problems => _problems;

    public void Problem(string path, string message) => _problems.Add($"{file}: {path}: {message}");

    /// <summary>Reports each property of <paramref name="obj"/> not in <paramref name="known"/>, with "did you mean".</summary>
    public void OnlyKnown(JsonElement obj, string path, IReadOnlyCollection<string> known)
    {
        foreach (var property in obj.EnumerateObject())
            if (!known.Contains(property.Name))
                Problem(Child(path, property.Name), $"unknown property `{property.Name}`.{NameSuggestions.DidYouMean(property.Name, known)}");
    }

    public bool IsObject(JsonElement element, string path)
    {
        if (element.ValueKind == JsonValueKind.Object) return true;
        Problem(path, $"expected an object, got {Describe(element)}");
        return false;
    }

    public JsonElement? Optional(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public string? String(JsonElement obj, string path, string name, bool required = false)
    {
        if (Optional(obj, name) is not { } value)
        {
            if (required) Problem(Child(path, name), "is required");
            return null;
        }
        if (value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s) return s;
        Problem(Child(path, name), value.ValueKind == JsonValueKind.String ? "must not be empty" : $"expected a string, got {Describe(value)}");
        return null;
    }

    public int? Int(JsonElement obj, string path, string name, int min, int max)
    {
        if (Optional(obj, name) is not { } value) return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var i))
        {
            if (i >= min && i <= max) return i;
            Problem(Child(path, name), $"must be between {min} and {max} (got {i})");
            return null;
        }
        Problem(Child(path, name), $"expected an integer, got {Describe(value)}");
        return null;
    }

    public double? Number(JsonElement obj, string path, string name, double min, double max, bool exclusiveMin = false)
    {
        if (Optional(obj, name) is not { } value) return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d) && double.IsFinite(d))
        {
            if ((exclusiveMin ? d > min : d >= min) && d <= max) return d;
            Problem(Child(path, name), exclusiveMin ? $"must be greater than {min} and at most {max} (got {d})" : $"must be between {min} and {max} (got {d})");
            return null;
        }
        Problem(Child(path, name), $"expected a number, got {Describe(value)}");
        return null;
    }

    public T? Choice<T>(JsonElement obj, string path, string name, IReadOnlyDictionary<string, T> choices) where T : struct
    {
        if (String(obj, path, name) is not { } s) return null;
        if (choices.TryGetValue(s, out var choice)) return choice;
        Problem(Child(path, name), $"`{s}` is not one of {string.Join(", ", choices.Keys.Select(k => $"`{k}`"))}.{NameSuggestions.DidYouMean(s, choices.Keys)}");
        return null;
    }

    public static string Child(string path, string name) =>
        name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') ? $"{path}.{name}" : $"{path}['{name}']";

    public static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"a string (\"{Shorten(value.GetString()!)}\")",
        JsonValueKind.Number => $"a number ({value.GetRawText()})",
        JsonValueKind.True or JsonValueKind.False => $"a boolean ({value.GetRawText()})",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "null",
    };

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
