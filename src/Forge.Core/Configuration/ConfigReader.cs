using System.Reflection;
using System.Text.Json;

namespace Forge.Core.Configuration;

/// <summary>
/// The one reader of Forge's JSON configuration (the registry, scenarios, sandbox and trainer sections). It binds a JSON
/// object to an options type by the type's own declarations: snake_case names (<see cref="ConfigNames"/>), comments and
/// trailing commas allowed, unknown properties reported with "did you mean", ranges and required fields read from the
/// properties' attributes (<see cref="OptionsValidator"/>). It never stops at the first problem: each one is collected
/// with the file and JSON path, and <see cref="ThrowIfProblems"/> reports them all at once.
/// </summary>
public sealed partial class ConfigReader(string file)
{
    private readonly List<ConfigProblem> _problems = [];

    /// <summary>How Forge parses configuration text: <c>//</c> and <c>/* */</c> comments and trailing commas allowed.</summary>
    public static JsonDocumentOptions DocumentOptions { get; } = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>The file problems are reported against.</summary>
    public string File { get; } = file;

    /// <summary>Every problem found so far.</summary>
    public IReadOnlyList<ConfigProblem> Problems => _problems;

    /// <summary>Records a problem at <paramref name="jsonPath"/>.</summary>
    public void Problem(string jsonPath, string message) => _problems.Add(new ConfigProblem(File, jsonPath, message));

    /// <summary>Throws <see cref="ConfigException"/> listing every problem, when there is any.</summary>
    public void ThrowIfProblems()
    {
        if (_problems.Count > 0) throw new ConfigException(_problems.ToList());
    }

    /// <summary>Parses configuration text; a syntax error is recorded (with its line and column) and null returned.</summary>
    public JsonDocument? Parse(string text)
    {
        try
        {
            return JsonDocument.Parse(text, DocumentOptions);
        }
        catch (JsonException e)
        {
            Problem("$", $"line {(e.LineNumber ?? 0) + 1}, column {(e.BytePositionInLine ?? 0) + 1}: not valid JSON: {FirstSentence(e.Message)}");
            return null;
        }
    }

    /// <summary>
    /// Binds <paramref name="element"/> (an object) to a new <typeparamref name="T"/>, starting from <paramref name="baseline"/>'s
    /// values when given (else the type's defaults), then validates it. Problems are recorded; the result holds every value
    /// that could be read.
    /// </summary>
    public T Bind<T>(JsonElement element, string path, T? baseline = null) where T : class =>
        (T)BindObject(typeof(T), element, path, baseline);

    /// <summary>Reads one value of <paramref name="type"/> (a scalar, list, dictionary or options object); null when it can't.</summary>
    public object? Read(Type type, JsonElement value, string path, object? current = null)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (value.ValueKind == JsonValueKind.Null)
        {
            if (underlying is not null || !type.IsValueType) return null;
            Problem(path, $"must not be null; expected {Expected(type)}");
            return current;
        }
        type = underlying ?? type;
        if (type == typeof(JsonElement)) return value.Clone();
        if (type == typeof(string)) return value.ValueKind == JsonValueKind.String ? value.GetString() : Wrong(path, "a string", value, current);
        if (type == typeof(bool)) return value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : Wrong(path, "true or false", value, current);
        if (type == typeof(int)) return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var i) ? i : Wrong(path, "an integer", value, current);
        if (type == typeof(long)) return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var l) ? l : Wrong(path, "an integer", value, current);
        if (type == typeof(double) || type == typeof(float))
            return value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d) && double.IsFinite(d)
                ? (type == typeof(float) ? (object)(float)d : d)
                : Wrong(path, "a number", value, current);
        if (type == typeof(TimeSpan))
            return value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var s) && double.IsFinite(s) && Math.Abs(s) < TimeSpan.MaxValue.TotalSeconds
                ? TimeSpan.FromSeconds(s)
                : Wrong(path, "a number of seconds", value, current);
        if (type.IsEnum) return ReadEnum(type, value, path, current);
        if (ListElementType(type) is { } item) return ReadList(type, item, value, path, current);
        if (DictionaryValueType(type) is { } entry) return ReadDictionary(entry, value, path, current);
        if (type.IsClass && type.GetConstructor(Type.EmptyTypes) is not null) return BindObject(type, value, path, current);
        throw new NotSupportedException($"Configuration properties of type {type.Name} are not supported.");
    }

    private object BindObject(Type type, JsonElement element, string path, object? baseline)
    {
        var options = Create(type, baseline);
        if (element.ValueKind != JsonValueKind.Object)
        {
            Problem(path, $"expected an object, got {Describe(element)}");
            return options;
        }
        var properties = ConfigNames.Settable(type).ToDictionary(ConfigNames.Of, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var failed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in element.EnumerateObject())
        {
            var memberPath = ConfigNames.Child(path, member.Name);
            if (!properties.TryGetValue(member.Name, out var property))
            {
                Problem(memberPath, $"unknown property \"{member.Name}\".{NameSuggestions.DidYouMean(member.Name, properties.Keys, "\"")}{Unknown(type, member.Name)}");
                continue;
            }
            seen.Add(member.Name);
            var problemsBefore = _problems.Count;
            var value = Read(property.PropertyType, member.Value, memberPath, property.GetValue(options));
            // What could be read is kept (a list or section with one bad item keeps the others); a scalar that failed kept its value.
            property.SetValue(options, value);
            if (_problems.Count != problemsBefore) failed.Add(member.Name);
        }
        foreach (var problem in OptionsValidator.Validate(options))
        {
            // A value that failed to read kept its default: checking that default would report a second, misleading problem;
            // rules across fields wait until every field was read. A baseline's own values are not this document's problems.
            if (problem.Property is null ? failed.Count > 0 : failed.Contains(problem.Property)) continue;
            if (problem.Property is { } name && baseline is not null && !seen.Contains(name)) continue;
            Problem(problem.Property is null ? path : ConfigNames.Child(path, problem.Property), problem.Message);
        }
        return options;
    }

    /// <summary>Extra advice for an unknown property, from the type's <see cref="ConfigHintAttribute"/>s.</summary>
    private static string Unknown(Type type, string name) =>
        type.GetCustomAttributes<ConfigHintAttribute>().FirstOrDefault(h => h.Property == name) is { } hint ? " " + hint.Advice : "";

    private static object Create(Type type, object? baseline)
    {
        var options = Activator.CreateInstance(type)
            ?? throw new InvalidOperationException($"Can't create {type.Name}: it needs a public parameterless constructor.");
        if (baseline is not null)
            foreach (var property in ConfigNames.Settable(type).Where(p => p.GetMethod is { IsPublic: true }))
                property.SetValue(options, property.GetValue(baseline));
        return options;
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
