using System.Collections;
using System.Reflection;
using System.Text.Json;

namespace Forge.Core.Configuration;

public sealed partial class ConfigReader
{
    private object? ReadEnum(Type type, JsonElement value, string path, object? current)
    {
        var names = Enum.GetNames(type).ToDictionary(ConfigNames.Snake, n => Enum.Parse(type, n), StringComparer.Ordinal);
        if (value.ValueKind == JsonValueKind.String && names.TryGetValue(value.GetString()!, out var member)) return member;
        var given = value.ValueKind == JsonValueKind.String ? $"\"{value.GetString()}\"" : Describe(value);
        Problem(path, $"{given} is not one of {string.Join(", ", names.Keys.Select(k => $"\"{k}\""))}.{NameSuggestions.DidYouMean(value.ValueKind == JsonValueKind.String ? value.GetString()! : "", names.Keys, "\"")}");
        return current;
    }

    private object? ReadList(Type listType, Type itemType, JsonElement value, string path, object? current)
    {
        if (value.ValueKind != JsonValueKind.Array) return Wrong(path, "an array", value, current);
        var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(itemType))!;
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var before = _problems.Count;
            var read = Read(itemType, item, $"{path}[{index++}]");
            if (_problems.Count == before) list.Add(read);
        }
        if (!listType.IsArray) return list;
        var array = Array.CreateInstance(itemType, list.Count);
        list.CopyTo(array, 0);
        return array;
    }

    private object? ReadDictionary(Type valueType, JsonElement value, string path, object? current)
    {
        if (value.ValueKind != JsonValueKind.Object) return Wrong(path, "an object", value, current);
        var dictionary = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(typeof(string), valueType), StringComparer.Ordinal)!;
        foreach (var member in value.EnumerateObject())
        {
            var before = _problems.Count;
            var read = Read(valueType, member.Value, ConfigNames.Child(path, member.Name));
            if (_problems.Count == before) dictionary[member.Name] = read;
        }
        return dictionary;
    }

    private static Type? ListElementType(Type type)
    {
        if (type.IsArray) return type.GetElementType();
        if (!type.IsGenericType) return null;
        var definition = type.GetGenericTypeDefinition();
        return definition == typeof(List<>) || definition == typeof(IReadOnlyList<>) || definition == typeof(IList<>) || definition == typeof(IEnumerable<>)
            ? type.GetGenericArguments()[0]
            : null;
    }

    private static Type? DictionaryValueType(Type type)
    {
        if (!type.IsGenericType) return null;
        var definition = type.GetGenericTypeDefinition();
        var arguments = type.GetGenericArguments();
        return (definition == typeof(Dictionary<,>) || definition == typeof(IReadOnlyDictionary<,>) || definition == typeof(IDictionary<,>)) && arguments[0] == typeof(string)
            ? arguments[1]
            : null;
    }

    private object? Wrong(string path, string expected, JsonElement value, object? current)
    {
        Problem(path, $"expected {expected}, got {Describe(value)}");
        return current;
    }

    private static string Expected(Type type) =>
        type == typeof(string) ? "a string" : type == typeof(bool) ? "true or false" : type == typeof(int) || type == typeof(long) ? "an integer"
        : type == typeof(TimeSpan) ? "a number of seconds" : type.IsEnum ? "a string" : type.IsValueType ? "a number" : "a value";

    /// <summary>How a JSON value is named in messages: <c>the string "x"</c>, <c>the number 3</c>, <c>an object</c>…</summary>
    public static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string \"{Shorten(value.GetString()!)}\"",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => "null",
    };

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
