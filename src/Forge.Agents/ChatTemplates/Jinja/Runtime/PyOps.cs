using System.Globalization;
using System.Text;

namespace Forge.Agents.ChatTemplates.Jinja;

/// <summary>Python's meaning of the template's values: truth, <c>str</c>, <c>repr</c>, equality, ordering, iteration, length.</summary>
internal static partial class PyOps
{
    public static IEqualityComparer<object> KeyComparer { get; } = new PyKeyComparer();

    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        List<object?> => "list",
        object?[] => "tuple",
        PyDict => "dict",
        Undefined => "Undefined",
        Namespace => "Namespace",
        PyFunction => "function",
        LoopInfo => "LoopContext",
        _ => value.GetType().Name,
    };

    public static bool Truthy(object? value) => value switch
    {
        null or Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> l => l.Count > 0,
        object?[] t => t.Length > 0,
        PyDict d => d.Count > 0,
        _ => true,
    };

    public static bool IsNumber(object? v) => v is long or double or bool;

    public static double ToDouble(object? v) => v switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        Undefined u => throw u.Fail(),
        _ => throw new JinjaRenderException($"expected a number, got {TypeName(v)}"),
    };

    /// <summary>Python's <c>==</c>.</summary>
    public static bool Equal(object? a, object? b)
    {
        if (a is null || b is null) return a is null && b is null;
        if (IsNumber(a) && IsNumber(b))
            return a is double || b is double ? ToDouble(a) == ToDouble(b) : ToLong(a) == ToLong(b);
        switch (a)
        {
            case string s: return b is string t && s == t;
            case Undefined: return b is Undefined;
            case List<object?> l: return b is List<object?> m && l.Count == m.Count && l.Zip(m).All(p => Equal(p.First, p.Second));
            case object?[] x: return b is object?[] y && x.Length == y.Length && x.Zip(y).All(p => Equal(p.First, p.Second));
            case PyDict d:
                return b is PyDict e && d.Count == e.Count && d.All(p => e.TryGetValue(p.Key, out var v) && Equal(p.Value, v));
            default: return ReferenceEquals(a, b);
        }
    }

    public static long ToLong(object? v) => v switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        double d => (long)d,
        Undefined u => throw u.Fail(),
        _ => throw new JinjaRenderException($"expected an integer, got {TypeName(v)}"),
    };

    /// <summary>Python's ordering for <c>&lt;</c> and friends; a TypeError for values Python doesn't order.</summary>
    public static int Compare(object? a, object? b, string op)
    {
        if (IsNumber(a) && IsNumber(b))
            return a is double || b is double ? ToDouble(a).CompareTo(ToDouble(b)) : ToLong(a).CompareTo(ToLong(b));
        if (a is string s && b is string t) return CompareCodePoints(s, t);
        if ((a is List<object?> && b is List<object?>) || (a is object?[] && b is object?[]))
        {
            var x = Iterate(a);
            var y = Iterate(b);
            for (var i = 0; i < Math.Min(x.Count, y.Count); i++)
                if (!Equal(x[i], y[i])) return Compare(x[i], y[i], op);
            return x.Count.CompareTo(y.Count);
        }
        throw new JinjaRenderException($"'{op}' not supported between instances of '{TypeName(a)}' and '{TypeName(b)}'");
    }

    public static int CompareCodePoints(string s, string t)
    {
        var i = 0;
        var j = 0;
        while (i < s.Length && j < t.Length)
        {
            var a = CodePointAt(s, i, out var na);
            var b = CodePointAt(t, j, out var nb);
            if (a != b) return a.CompareTo(b);
            i += na;
            j += nb;
        }
        return (s.Length - i).CompareTo(t.Length - j);
    }

    private static int CodePointAt(string s, int i, out int width)
    {
        width = char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) ? 2 : 1;
        return width == 2 ? char.ConvertToUtf32(s[i], s[i + 1]) : s[i];
    }

    /// <summary>What a <c>for</c> loop over <paramref name="value"/> visits: list items, dict keys, string characters.</summary>
    public static IReadOnlyList<object?> Iterate(object? value) => value switch
    {
        List<object?> l => l,
        object?[] t => t,
        PyDict d => d.Keys.Cast<object?>().ToList(),
        string s => Characters(s),
        Undefined => [],
        _ => throw new JinjaRenderException($"'{TypeName(value)}' object is not iterable"),
    };

    public static List<object?> Characters(string s)
    {
        var result = new List<object?>(s.Length);
        foreach (var rune in s.EnumerateRunes()) result.Add(rune.ToString());
        return result;
    }

    public static bool IsIterable(object? v) => v is List<object?> or object?[] or PyDict or string or Undefined;

    public static long Length(object? value) => value switch
    {
        string s => s.EnumerateRunes().Count(),
        List<object?> l => l.Count,
        object?[] t => t.Length,
        PyDict d => d.Count,
        Undefined => 0,
        Namespace n => n.Attributes.Count,
        _ => throw new JinjaRenderException($"object of type '{TypeName(value)}' has no len()"),
    };

    /// <summary>Python's <c>in</c>.</summary>
    public static bool Contains(object? container, object? item) => container switch
    {
        string s when item is string t => s.Contains(t, StringComparison.Ordinal),
        string => throw new JinjaRenderException($"'in <string>' requires string as left operand, not {TypeName(item)}"),
        PyDict d => item is not null && d.ContainsKey(item),
        List<object?> or object?[] => Iterate(container).Any(x => Equal(x, item)),
        Undefined => false,
        _ => throw new JinjaRenderException($"argument of type '{TypeName(container)}' is not iterable"),
    };

    private sealed class PyKeyComparer : IEqualityComparer<object>
    {
        public new bool Equals(object? x, object? y) => Equal(x, y);

        public int GetHashCode(object obj) => obj switch
        {
            bool b => (b ? 1L : 0L).GetHashCode(),
            double d when d == Math.Floor(d) && Math.Abs(d) < 9e18 => ((long)d).GetHashCode(),
            object?[] t => t.Aggregate(17, (h, x) => h * 31 + (x is null ? 0 : GetHashCode(x))),
            _ => obj.GetHashCode(),
        };
    }
}
