using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Forge.Agents.ChatTemplates.Jinja;

/// <summary>Jinja2's built-in filters that chat templates use, with transformers' <c>tojson</c>.</summary>
internal static partial class JinjaFilters
{
    public static bool Exists(string name) => Names.Contains(name);

    private static readonly HashSet<string> Names =
    [
        "abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape", "first", "float", "format",
        "indent", "int", "items", "join", "last", "length", "list", "lower", "map", "max", "min", "reject", "rejectattr", "replace",
        "reverse", "round", "safe", "select", "selectattr", "sort", "string", "sum", "title", "tojson", "trim", "unique", "upper", "wordcount",
    ];

    /// <summary>Applies filter <paramref name="name"/>; <paramref name="interpreter"/> resolves filters and tests named in arguments.</summary>
    public static object? Apply(string name, object? value, CallArguments a, JinjaInterpreter interpreter)
    {
        // Most filters read an undefined value as empty (str → "", iteration → nothing); these use it strictly.
        if (value is Undefined u && name is "abs" or "attr" or "batch" or "center" or "dictsort" or "last" or "round" or "tojson")
            throw u.Fail();
        switch (name)
        {
            case "abs": return value is double d ? Math.Abs(d) : PyOps.IsNumber(value) ? (object)Math.Abs(PyOps.ToLong(value)) : throw TypeError(name, value);
            case "attr": return PyMethods.Find(value, PyOps.Str(a.Get(0, "name"))) ?? (value is Namespace or LoopInfo ? PyAccess.Attribute(value, PyOps.Str(a.Get(0, "name"))) : Undefined.Attribute(value, PyOps.Str(a.Get(0, "name"))));
            case "batch": return Batch(value, a);
            case "capitalize": return PyStr.Capitalize(PyOps.Str(value));
            case "center": return Center(PyOps.Str(value), (int)PyOps.ToLong(a.Get(0, "width", 80L)));
            case "count" or "length": return PyOps.Length(value);
            case "d" or "default":
                var boolean = PyOps.Truthy(a.Get(1, "boolean", false));
                return value is Undefined || (boolean && !PyOps.Truthy(value)) ? a.Get(0, "default_value", "") : value;
            case "dictsort": return DictSort(value, a);
            case "e" or "escape": return Escape(PyOps.Str(value));
            case "first": return value is Undefined ? value : PyOps.Iterate(value) is { Count: > 0 } f ? f[0] : Undefined.Plain;
            case "last": return value is PyDict ? throw new JinjaRenderException("'dict' object is not reversible") : PyOps.Iterate(value) is { Count: > 0 } l ? l[^1] : Undefined.Plain;
            case "float": return ToFloat(value, a.Get(0, "default", 0.0));
            case "format": return PyArith.Printf(PyOps.Str(value), a.Positional);
            case "indent": return Indent(PyOps.Str(value), a);
            case "int": return ToInt(value, a.Get(0, "default", 0L), PyOps.ToLong(a.Get(1, "base", 10L)));
            case "items":
                if (value is Undefined) return new List<object?>();
                if (value is not PyDict dict) throw new JinjaRenderException($"Can only get item pairs from a mapping, not {PyOps.TypeName(value)}");
                return dict.Select(p => (object?)new object?[] { p.Key, p.Value }).ToList();
            case "join": return Join(value, a);
            case "list": return PyOps.Iterate(value).ToList();
            case "lower": return PyOps.Str(value).ToLowerInvariant();
            case "map": return Map(value, a, interpreter);
            case "max" or "min": return MinMax(value, a, name == "max");
            case "select" or "reject": return Select(value, a, interpreter, attribute: false, keep: name == "select");
            case "selectattr" or "rejectattr": return Select(value, a, interpreter, attribute: true, keep: name == "selectattr");
            case "replace":
                return PyStr.Replace(PyOps.Str(value), PyOps.Str(a.Get(0, "old")), PyOps.Str(a.Get(1, "new")), a.Get(2, "count") is { } c ? PyOps.ToLong(c) : -1);
            case "reverse": return value is string s ? string.Concat(PyOps.Characters(s).Cast<string>().Reverse()) : PyOps.Iterate(value).Reverse().ToList();
            case "round": return Round(value, a);
            case "safe" or "string": return PyOps.Str(value);
            case "sort": return Sort(value, a);
            case "sum": return Sum(value, a);
            case "title": return Title(PyOps.Str(value));
            case "tojson": return ToJson(value, a);
            case "trim": return PyStr.Strip(PyOps.Str(value), a.Get(0, "chars") as string);
            case "unique": return Unique(value, a);
            case "upper": return PyOps.Str(value).ToUpperInvariant();
            case "wordcount": return (long)Word().Matches(PyOps.Str(value)).Count;
            default: throw new JinjaRenderException($"No filter named '{name}'.");
        }
    }

    private static JinjaRenderException TypeError(string filter, object? value) => new($"filter '{filter}' can't handle a value of type '{PyOps.TypeName(value)}'");

    private static object? ToJson(object? value, CallArguments a)
    {
        (string, string)? separators = a.Get(2, "separators") switch
        {
            null => null,
            object?[] { Length: 2 } t when t[0] is string i && t[1] is string k => (i, k),
            List<object?> { Count: 2 } l when l[0] is string i && l[1] is string k => (i, k),
            var other => throw new JinjaRenderException($"tojson separators must be a pair of strings, not {PyOps.TypeName(other)}"),
        };
        return PyJson.Dumps(value, a.Get(1, "indent"), separators, PyOps.Truthy(a.Get(3, "sort_keys", false)), PyOps.Truthy(a.Get(0, "ensure_ascii", false)));
    }

    private static object? Round(object? value, CallArguments a)
    {
        var precision = (int)PyOps.ToLong(a.Get(0, "precision", 0L));
        var method = PyOps.Str(a.Get(1, "method", "common"));
        var x = PyOps.ToDouble(value);
        var scale = Math.Pow(10, precision);
        return method switch
        {
            "common" => Math.Round(x, Math.Clamp(precision, 0, 15), MidpointRounding.ToEven),
            "ceil" => Math.Ceiling(x * scale) / scale,
            "floor" => Math.Floor(x * scale) / scale,
            _ => throw new JinjaRenderException("method must be common, ceil or floor"),
        };
    }

    private static object? ToInt(object? value, object? fallback, long numberBase)
    {
        switch (value)
        {
            case long or bool: return PyOps.ToLong(value);
            case double d: return (long)Math.Truncate(d);
            case string s:
                var text = s.Trim().Replace("_", "", StringComparison.Ordinal);
                try
                {
                    if (numberBase == 10 && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return l;
                    if (numberBase != 10 && text.Length > 0) return Convert.ToInt64(text, (int)numberBase);
                }
                catch (Exception e) when (e is FormatException or ArgumentException or OverflowException) { return fallback; }
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && double.IsFinite(f) ? (long)Math.Truncate(f) : fallback;
            default: return fallback;
        }
    }

    private static object? ToFloat(object? value, object? fallback) => value switch
    {
        double d => d,
        long or bool => PyOps.ToDouble(value),
        string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var f) => f,
        _ => fallback,
    };

    private static string Indent(string s, CallArguments a)
    {
        var width = a.Get(0, "width", 4L);
        var indentation = width is string w ? w : new string(' ', (int)PyOps.ToLong(width));
        var first = PyOps.Truthy(a.Get(1, "first", false));
        var blank = PyOps.Truthy(a.Get(2, "blank", false));
        var lines = (PyMethods.Find(s + "\n", "splitlines") as PyFunction)!.Invoke(new CallArguments([], new PyDict())) as List<object?>;
        var text = lines!.Cast<string>().ToList();
        string result;
        if (blank) result = string.Join("\n" + indentation, text);
        else
        {
            result = text[0];
            if (text.Count > 1) result += "\n" + string.Join("\n", text.Skip(1).Select(line => line.Length > 0 ? indentation + line : line));
        }
        return first ? indentation + result : result;
    }

    // markupsafe's escape: the five HTML-special characters, nothing else.
    private static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&#34;", StringComparison.Ordinal).Replace("'", "&#39;", StringComparison.Ordinal);

    private static string Center(string s, int width)
    {
        if (s.Length >= width) return s;
        var total = width - s.Length;
        var left = total / 2 + (total & width & 1);
        return new string(' ', left) + s + new string(' ', total - left);
    }

    // Jinja2's title: each run after a dash, space or opening bracket starts upper, the rest lower.
    private static string Title(string s)
    {
        var sb = new StringBuilder();
        foreach (var part in WordBeginning().Split(s))
            if (part.Length > 0) sb.Append(char.ToUpperInvariant(part[0])).Append(part[1..].ToLowerInvariant());
        return sb.ToString();
    }

    [GeneratedRegex(@"([-\s({\[<]+)")]
    private static partial Regex WordBeginning();

    [GeneratedRegex(@"\w+")]
    private static partial Regex Word();
}
