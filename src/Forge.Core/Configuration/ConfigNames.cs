using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Forge.Core.Configuration;

/// <summary>
/// How options properties are spelled in configuration files: snake_case of the property name, <c>_s</c> appended for a
/// <see cref="TimeSpan"/> (written in seconds), or the name a <see cref="JsonPropertyNameAttribute"/> gives.
/// </summary>
public static class ConfigNames
{
    /// <summary>The JSON name of <paramref name="property"/>.</summary>
    public static string Of(PropertyInfo property)
    {
        ArgumentNullException.ThrowIfNull(property);
        if (property.GetCustomAttribute<JsonPropertyNameAttribute>() is { } named) return named.Name;
        var snake = Snake(property.Name);
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        return type == typeof(TimeSpan) ? snake + "_s" : snake;
    }

    /// <summary><c>MaxTurns</c> → <c>max_turns</c>.</summary>
    public static string Snake(string name) => JsonNamingPolicy.SnakeCaseLower.ConvertName(name);

    /// <summary>The JSON path of <paramref name="name"/> inside <paramref name="path"/>: <c>$.a.b</c>, or <c>$.a['x/y']</c> for names that aren't identifiers.</summary>
    public static string Child(string path, string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
            ? $"{path}.{name}"
            : $"{path}['{name.Replace("'", "\\'", StringComparison.Ordinal)}']";

    /// <summary>The properties of <paramref name="type"/> a configuration file may set: public, writable (set or init), not <see cref="JsonIgnoreAttribute"/>.</summary>
    public static IReadOnlyList<PropertyInfo> Settable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0 && p.GetCustomAttribute<JsonIgnoreAttribute>() is null)
            .ToList();
}
