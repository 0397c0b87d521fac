namespace Forge.Agents.ChatTemplates.Jinja;

/// <summary>Jinja2's built-in tests (<c>x is defined</c>, <c>x is string</c>, <c>n is odd</c>, …).</summary>
internal static class JinjaTests
{
    public static bool Apply(string name, object? value, CallArguments a)
    {
        object? Arg() => a.Get(0, "other", Undefined.Plain);
        switch (name)
        {
            case "defined": return value is not Undefined;
            case "undefined": return value is Undefined;
            case "none": return value is null;
            case "string": return value is string;
            case "mapping": return value is PyDict;
            case "iterable": return PyOps.IsIterable(value);
            case "sequence": return value is string or List<object?> or object?[] or PyDict;
            case "number": return PyOps.IsNumber(value);
            case "integer": return value is long;
            case "float": return value is double;
            case "boolean": return value is bool;
            case "true": return value is true;
            case "false": return value is false;
            case "callable": return value is PyFunction;
            case "odd": return Integer(value, name) % 2 != 0;
            case "even": return Integer(value, name) % 2 == 0;
            case "divisibleby": return Integer(value, name) % Integer(a.Get(0, "num"), name) == 0;
            case "eq" or "equalto" or "==": return PyOps.Equal(value, Arg());
            case "ne" or "!=": return !PyOps.Equal(value, Arg());
            case "lt" or "lessthan" or "<": return PyOps.Compare(value, Arg(), "<") < 0;
            case "le" or "<=": return PyOps.Compare(value, Arg(), "<=") <= 0;
            case "gt" or "greaterthan" or ">": return PyOps.Compare(value, Arg(), ">") > 0;
            case "ge" or ">=": return PyOps.Compare(value, Arg(), ">=") >= 0;
            case "in": return PyOps.Contains(a.Get(0, "seq"), value);
            case "sameas": return SameAs(value, Arg());
            case "lower": return value is string l && l == l.ToLowerInvariant();
            case "upper": return value is string u && u == u.ToUpperInvariant();
            case "escaped": return false;
            case "filter": return JinjaFilters.Exists(PyOps.Str(value));
            case "test": return Exists(PyOps.Str(value));
            default: throw new JinjaRenderException($"No test named '{name}'.");
        }
    }

    public static bool Exists(string name) => name is "defined" or "undefined" or "none" or "string" or "mapping" or "iterable" or "sequence"
        or "number" or "integer" or "float" or "boolean" or "true" or "false" or "callable" or "odd" or "even" or "divisibleby" or "eq"
        or "equalto" or "==" or "ne" or "!=" or "lt" or "lessthan" or "<" or "le" or "<=" or "gt" or "greaterthan" or ">" or "ge" or ">="
        or "in" or "sameas" or "lower" or "upper" or "escaped" or "filter" or "test";

    private static long Integer(object? value, string test) => value switch
    {
        Undefined u => throw u.Fail(),
        long or bool => PyOps.ToLong(value),
        double d when d == Math.Floor(d) => (long)d,
        _ => throw new JinjaRenderException($"test '{test}' needs an integer, not {PyOps.TypeName(value)}"),
    };

    // Python's "is": None, True and False are singletons; other values are the same only when they are the same object.
    private static bool SameAs(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (bool x, bool y) => x == y,
        (long x, long y) => x == y && x is >= -5 and <= 256,
        _ => ReferenceEquals(a, b),
    };
}
