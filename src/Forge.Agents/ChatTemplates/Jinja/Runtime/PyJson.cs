using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Forge.Agents.ChatTemplates.Jinja;

/// <summary>
/// JSON in and out with Python's meaning: <see cref="FromJson"/> reads as <c>json.loads</c> does (integers stay ints,
/// key order kept), <see cref="Dumps"/> writes as <c>json.dumps</c> does — transformers' <c>tojson</c> filter is
/// <c>json.dumps(x, ensure_ascii=False, indent=indent, separators=separators, sort_keys=sort_keys)</c>.
/// </summary>
internal static class PyJson
{
    /// <summary>A template value for a JSON element.</summary>
    public static object? FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => new PyDict(element.EnumerateObject().Select(p => KeyValuePair.Create<object, object?>(p.Name, FromJson(p.Value)))),
        JsonValueKind.Array => element.EnumerateArray().Select(FromJson).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        JsonValueKind.Number => Number(element.GetRawText()),
        _ => throw new JsonException($"unexpected JSON value kind {element.ValueKind}"),
    };

    private static object Number(string text) =>
        text.AsSpan().IndexOfAny(".eE") < 0 && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)
            ? l
            : (object)double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary><c>json.dumps</c>; <paramref name="indent"/> is null, a number of spaces or a string.</summary>
    public static string Dumps(object? value, object? indent = null, (string Item, string Key)? separators = null, bool sortKeys = false, bool ensureAscii = false)
    {
        var indentText = indent switch
        {
            null => null,
            long n => new string(' ', (int)Math.Max(0, n)),
            string s => s,
            _ => throw new JinjaRenderException($"tojson indent must be an integer or a string, not {PyOps.TypeName(indent)}"),
        };
        var (item, key) = separators ?? (indentText is null ? (", ", ": ") : (",", ": "));
        var sb = new StringBuilder();
        Write(sb, value, indentText, item, key, sortKeys, ensureAscii, 0);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, object? value, string? indent, string item, string key, bool sortKeys, bool ascii, int level)
    {
        switch (value)
        {
            case null: sb.Append("null"); return;
            case bool b: sb.Append(b ? "true" : "false"); return;
            case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); return;
            case double d: sb.Append(double.IsNaN(d) ? "NaN" : double.IsInfinity(d) ? (d > 0 ? "Infinity" : "-Infinity") : PyOps.FloatRepr(d)); return;
            case string s: WriteString(sb, s, ascii); return;
            case List<object?> or object?[]:
                var items = PyOps.Iterate(value);
                if (items.Count == 0) { sb.Append("[]"); return; }
                sb.Append('[');
                Open(sb, indent, level + 1);
                for (var i = 0; i < items.Count; i++)
                {
                    if (i > 0) Separate(sb, item, indent, level + 1);
                    Write(sb, items[i], indent, item, key, sortKeys, ascii, level + 1);
                }
                Close(sb, indent, level);
                sb.Append(']');
                return;
            case PyDict dict:
                if (dict.Count == 0) { sb.Append("{}"); return; }
                var pairs = dict.Select(p => (Key: KeyText(p.Key), p.Value)).ToList();
                if (sortKeys) pairs.Sort((x, y) => PyOps.CompareCodePoints(x.Key, y.Key));
                sb.Append('{');
                Open(sb, indent, level + 1);
                for (var i = 0; i < pairs.Count; i++)
                {
                    if (i > 0) Separate(sb, item, indent, level + 1);
                    WriteString(sb, pairs[i].Key, ascii);
                    sb.Append(key);
                    Write(sb, pairs[i].Value, indent, item, key, sortKeys, ascii, level + 1);
                }
                Close(sb, indent, level);
                sb.Append('}');
                return;
            default:
                throw new JinjaRenderException($"Object of type {PyOps.TypeName(value)} is not JSON serializable");
        }
    }

    private static string KeyText(object key) => key switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        long or double => PyOps.Repr(key),
        _ => throw new JinjaRenderException($"keys must be str, int, float, bool or None, not {PyOps.TypeName(key)}"),
    };

    private static void Open(StringBuilder sb, string? indent, int level)
    {
        if (indent is null) return;
        sb.Append('\n');
        for (var i = 0; i < level; i++) sb.Append(indent);
    }

    private static void Separate(StringBuilder sb, string item, string? indent, int level)
    {
        sb.Append(item);
        Open(sb, indent, level);
    }

    private static void Close(StringBuilder sb, string? indent, int level) => Open(sb, indent, level);

    private static void WriteString(StringBuilder sb, string s, bool ascii)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20 || (ascii && c > 0x7e)) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
