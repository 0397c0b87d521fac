using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Forge.Agents.ChatTemplates.Jinja;

/// <summary>
/// A parsed Jinja2 template, rendered as Hugging Face transformers renders chat templates: an immutable sandbox,
/// <c>trim_blocks</c> and <c>lstrip_blocks</c> on, <c>break</c>/<c>continue</c> allowed, <c>tojson</c> without HTML escaping
/// (<c>ensure_ascii=False</c>), and the globals <c>raise_exception</c> and <c>strftime_now</c>.
/// </summary>
public sealed class JinjaTemplate
{
    private readonly IReadOnlyList<Node> _body;

    private JinjaTemplate(string name, IReadOnlyList<Node> body)
    {
        Name = name;
        _body = body;
    }

    /// <summary>The name errors use (for a chat template: the file it came from).</summary>
    public string Name { get; }

    /// <summary>Parses <paramref name="source"/>; throws <see cref="JinjaSyntaxException"/> naming the line and column of a syntax error.</summary>
    public static JinjaTemplate Parse(string source, string name = "<template>")
    {
        ArgumentNullException.ThrowIfNull(source);
        return new JinjaTemplate(name, JinjaParser.Parse(source, name));
    }

    /// <summary>
    /// Renders the template. Variables may be strings, numbers, booleans, null, lists (any <see cref="IEnumerable"/>),
    /// dictionaries with string keys, <see cref="JsonElement"/> or <see cref="JsonNode"/>. <paramref name="clock"/> answers
    /// <c>strftime_now</c> (the system clock when null). Throws <see cref="TemplateRaisedException"/> when the template calls
    /// <c>raise_exception</c>, <see cref="JinjaRenderException"/> for other failures.
    /// </summary>
    public string Render(IReadOnlyDictionary<string, object?> variables, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var scope = new Scope(JinjaGlobals.Create(Name, clock ?? TimeProvider.System));
        foreach (var (name, value) in variables) scope.Set(name, ToValue(value));
        return new JinjaInterpreter(Name).Render(_body, new Scope(scope));
    }

    /// <summary>Converts a .NET value into the template's value model.</summary>
    internal static object? ToValue(object? value) => value switch
    {
        null => null,
        string or bool or long or double or PyDict or Undefined or Namespace or PyFunction => value,
        int i => (long)i,
        float f => (double)f,
        decimal m => (double)m,
        JsonElement e => PyJson.FromJson(e),
        JsonNode n => PyJson.FromJson(JsonSerializer.SerializeToElement(n)),
        List<object?> l when l.All(IsValue) => l,
        object?[] t when t.All(IsValue) => t,
        IDictionary d => new PyDict(d.Keys.Cast<object>().Select(k => KeyValuePair.Create(ToValue(k)!, ToValue(d[k])))),
        IEnumerable e => e.Cast<object?>().Select(ToValue).ToList(),
        _ => throw new ArgumentException($"A template variable can't be a {value.GetType().Name}."),
    };

    private static bool IsValue(object? v) => v is null or string or bool or long or double or PyDict or List<object?> or object?[];
}
