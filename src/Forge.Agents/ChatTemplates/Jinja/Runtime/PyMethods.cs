using System.Text;

namespace Forge.Agents.ChatTemplates.Jinja;

/// <summary>
/// The Python methods of strings, lists and dicts a template may call (<c>content.split('&lt;/think&gt;')</c>,
/// <c>message.get('x')</c>). Methods that would modify a value are refused as transformers' immutable sandbox refuses them.
/// </summary>
internal static class PyMethods
{
    private static readonly HashSet<string> UnsafeListMethods = ["append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear"];
    private static readonly HashSet<string> UnsafeDictMethods = ["pop", "popitem", "setdefault", "update", "clear"];

    /// <summary>The bound method <paramref name="name"/> of <paramref name="owner"/>, or null when it has none.</summary>
    public static object? Find(object? owner, string name) => owner switch
    {
        string s => StringMethod(s, name),
        List<object?> l when UnsafeListMethods.Contains(name) => Undefined.Unsafe(owner, name),
        List<object?> or object?[] => SequenceMethod(PyOps.Iterate(owner), name),
        PyDict d when UnsafeDictMethods.Contains(name) => Undefined.Unsafe(owner, name),
        PyDict d => DictMethod(d, name),
        _ => null,
    };

    private static PyFunction Method(string name, Func<CallArguments, object?> body) => new(name, body);

    private static string? OptionalString(CallArguments a, int i, string name) => a.Get(i, name) switch
    {
        null => null,
        string s => s,
        var v => throw new JinjaRenderException($"{name} must be None or str, not {PyOps.TypeName(v)}"),
    };

    private static string RequiredString(CallArguments a, int i, string name, string method) => a.Get(i, name, Undefined.Plain) switch
    {
        string s => s,
        Undefined => throw new JinjaRenderException($"{method}() missing required argument '{name}'"),
        var v => throw new JinjaRenderException($"{method}() argument must be str, not {PyOps.TypeName(v)}"),
    };

    private static long Int(CallArguments a, int i, string name, long fallback) => a.Get(i, name, fallback) is var v && PyOps.IsNumber(v) && v is not double
        ? PyOps.ToLong(v)
        : throw new JinjaRenderException($"'{name}' must be an integer");

    private static object? StringMethod(string s, string name) => name switch
    {
        "startswith" => Method(name, a => Affix(s, a, name, (x, p) => x.StartsWith(p, StringComparison.Ordinal))),
        "endswith" => Method(name, a => Affix(s, a, name, (x, p) => x.EndsWith(p, StringComparison.Ordinal))),
        "split" => Method(name, a => PyStr.Split(s, OptionalString(a, 0, "sep"), Int(a, 1, "maxsplit", -1))),
        "rsplit" => Method(name, a => PyStr.RSplit(s, OptionalString(a, 0, "sep"), Int(a, 1, "maxsplit", -1))),
        "splitlines" => Method(name, _ => SplitLines(s)),
        "strip" => Method(name, a => PyStr.Strip(s, OptionalString(a, 0, "chars"))),
        "lstrip" => Method(name, a => PyStr.Strip(s, OptionalString(a, 0, "chars"), right: false)),
        "rstrip" => Method(name, a => PyStr.Strip(s, OptionalString(a, 0, "chars"), left: false)),
        "upper" => Method(name, _ => s.ToUpperInvariant()),
        "lower" => Method(name, _ => s.ToLowerInvariant()),
        "title" => Method(name, _ => PyStr.Title(s)),
        "capitalize" => Method(name, _ => PyStr.Capitalize(s)),
        "replace" => Method(name, a => PyStr.Replace(s, RequiredString(a, 0, "old", name), RequiredString(a, 1, "new", name), Int(a, 2, "count", -1))),
        "find" => Method(name, a => (long)s.IndexOf(RequiredString(a, 0, "sub", name), StringComparison.Ordinal)),
        "rfind" => Method(name, a => (long)s.LastIndexOf(RequiredString(a, 0, "sub", name), StringComparison.Ordinal)),
        "count" => Method(name, a => (long)Count(s, RequiredString(a, 0, "sub", name))),
        "join" => Method(name, a => string.Join(s, PyOps.Iterate(a.Get(0, "iterable")).Select(x => x as string ?? throw new JinjaRenderException($"sequence item: expected str instance, {PyOps.TypeName(x)} found")))),
        "format" => Method(name, a => Format(s, a)),
        "isdigit" => Method(name, _ => s.Length > 0 && s.All(char.IsDigit)),
        "isalpha" => Method(name, _ => s.Length > 0 && s.All(char.IsLetter)),
        "isalnum" => Method(name, _ => s.Length > 0 && s.All(char.IsLetterOrDigit)),
        "isspace" => Method(name, _ => s.Length > 0 && s.All(PyStr.IsSpace)),
        "islower" => Method(name, _ => s.Any(char.IsLetter) && !s.Any(char.IsUpper)),
        "isupper" => Method(name, _ => s.Any(char.IsLetter) && !s.Any(char.IsLower)),
        "removeprefix" => Method(name, a => RequiredString(a, 0, "prefix", name) is var p && s.StartsWith(p, StringComparison.Ordinal) ? s[p.Length..] : s),
        "removesuffix" => Method(name, a => RequiredString(a, 0, "suffix", name) is var p && p.Length > 0 && s.EndsWith(p, StringComparison.Ordinal) ? s[..^p.Length] : s),
        _ => null,
    };

    private static bool Affix(string s, CallArguments a, string method, Func<string, string, bool> test)
    {
        var affix = a.Get(0, "prefix", Undefined.Plain);
        return affix switch
        {
            string p => test(s, p),
            object?[] options => options.Any(o => o is string p ? test(s, p) : throw new JinjaRenderException($"tuple for {method} must only contain str")),
            _ => throw new JinjaRenderException($"{method} first arg must be str or a tuple of str, not {PyOps.TypeName(affix)}"),
        };
    }

    private static List<object?> SplitLines(string s)
    {
        var lines = new List<object?>();
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] is not ('\n' or '\r')) continue;
            lines.Add(s[start..i]);
            if (s[i] == '\r' && i + 1 < s.Length && s[i + 1] == '\n') i++;
            start = i + 1;
        }
        if (start < s.Length) lines.Add(s[start..]);
        return lines;
    }

    private static int Count(string s, string sub)
    {
        if (sub.Length == 0) return s.Length + 1;
        var n = 0;
        for (var i = s.IndexOf(sub, StringComparison.Ordinal); i >= 0; i = s.IndexOf(sub, i + sub.Length, StringComparison.Ordinal)) n++;
        return n;
    }

    // str.format with "{}", "{0}" and "{name}" fields (no format specs), "{{" and "}}" for braces.
    private static string Format(string s, CallArguments a)
    {
        var sb = new StringBuilder();
        var auto = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '}' && i + 1 < s.Length && s[i + 1] == '}') { sb.Append('}'); i++; continue; }
            if (c != '{') { sb.Append(c); continue; }
            if (i + 1 < s.Length && s[i + 1] == '{') { sb.Append('{'); i++; continue; }
            var close = s.IndexOf('}', i);
            if (close < 0) throw new JinjaRenderException("Single '{' encountered in format string");
            var field = s[(i + 1)..close];
            if (field.Contains(':') || field.Contains('!')) throw new JinjaRenderException($"format specs are not supported: '{{{field}}}'");
            object? value = field.Length == 0 ? a.Get(auto++, "\0")
                : int.TryParse(field, out var index) ? a.Get(index, "\0", Undefined.Plain)
                : a.Named.TryGetValue(field, out var named) ? named : throw new JinjaRenderException($"KeyError: '{field}'");
            sb.Append(PyOps.Str(value));
            i = close;
        }
        return sb.ToString();
    }

    private static object? SequenceMethod(IReadOnlyList<object?> items, string name) => name switch
    {
        "count" => Method(name, a => (long)items.Count(x => PyOps.Equal(x, a.Get(0, "value")))),
        "index" => Method(name, a =>
        {
            for (var i = 0; i < items.Count; i++) if (PyOps.Equal(items[i], a.Get(0, "value"))) return (long)i;
            throw new JinjaRenderException($"{PyOps.Repr(a.Get(0, "value"))} is not in list");
        }),
        "copy" => Method(name, _ => items.ToList()),
        _ => null,
    };

    private static object? DictMethod(PyDict d, string name) => name switch
    {
        "items" => Method(name, _ => d.Select(p => (object?)new object?[] { p.Key, p.Value }).ToList()),
        "keys" => Method(name, _ => d.Keys.Cast<object?>().ToList()),
        "values" => Method(name, _ => d.Values.ToList()),
        "get" => Method(name, a => a.Get(0, "key") is { } key && d.TryGetValue(key, out var v) ? v : a.Get(1, "default")),
        "copy" => Method(name, _ => new PyDict(d)),
        _ => null,
    };
}
