namespace Forge.Agents.ChatTemplates.Jinja;

// The template's values are plain .NET objects with Python's meaning:
//   null = None, bool, long = int, double = float, string = str, List<object?> = list, object?[] = tuple,
//   PyDict = dict (insertion-ordered), plus the types below.

/// <summary>A Python dict: insertion-ordered, keys compared as Python does (1 == 1.0 == True).</summary>
internal sealed class PyDict() : OrderedDictionary<object, object?>(PyOps.KeyComparer)
{
    public PyDict(IEnumerable<KeyValuePair<object, object?>> pairs) : this()
    {
        foreach (var (key, value) in pairs) this[key] = value;
    }
}

/// <summary>
/// Jinja2's default <c>Undefined</c>: renders as empty, is false, iterates as empty, has length 0; anything stricter
/// (an attribute of it, arithmetic, calling it) fails with <see cref="Message"/>.
/// </summary>
internal sealed class Undefined
{
    private Undefined(string message) => Message = message;

    /// <summary>What a strict use reports.</summary>
    public string Message { get; }

    /// <summary>An undefined variable.</summary>
    public static Undefined Variable(string name) => new($"'{name}' is undefined");

    /// <summary>A missing attribute or key of <paramref name="owner"/>.</summary>
    public static Undefined Attribute(object? owner, object name) =>
        new($"'{PyOps.TypeName(owner)} object' has no attribute {(name is string s ? PyOps.Repr(s) : PyOps.Repr(name))}");

    /// <summary>A missing element of a sequence.</summary>
    public static Undefined Element(object? owner, object? index) => new($"'{PyOps.TypeName(owner)} object' has no element {PyOps.Repr(index)}");

    /// <summary>A value the template produced without a definition (an <c>if</c> without <c>else</c>).</summary>
    public static Undefined Plain { get; } = new("the value is undefined");

    /// <summary>An attribute the sandbox refuses (a method that would modify a value).</summary>
    public static Undefined Unsafe(object? owner, string name) => new($"access to attribute '{name}' of '{PyOps.TypeName(owner)}' object is unsafe.");

    public JinjaRenderException Fail() => new(Message);
}

/// <summary>What <c>namespace(...)</c> returns: attributes that <c>{% set ns.attr = … %}</c> can change from inside loops.</summary>
internal sealed class Namespace
{
    public PyDict Attributes { get; } = new();
}

/// <summary>Arguments passed to a callable: positional, then named in call order.</summary>
internal sealed record CallArguments(List<object?> Positional, PyDict Named)
{
    /// <summary>The argument at <paramref name="position"/> or named <paramref name="name"/>, or <paramref name="fallback"/>.</summary>
    public object? Get(int position, string name, object? fallback = null) =>
        position < Positional.Count ? Positional[position] : Named.TryGetValue(name, out var v) ? v : fallback;

    public bool Has(int position, string name) => position < Positional.Count || Named.ContainsKey(name);
}

/// <summary>A function the template can call: a global, a macro, a bound method.</summary>
internal sealed class PyFunction(string name, Func<CallArguments, object?> invoke)
{
    public string Name { get; } = name;

    public object? Invoke(CallArguments args) => invoke(args);
}

/// <summary>The <c>loop</c> variable of a for loop.</summary>
internal sealed class LoopInfo(IReadOnlyList<object?> items)
{
    public int Index0 { get; set; }

    public int Length => items.Count;

    public object? Attribute(string name) => name switch
    {
        "index0" => (long)Index0,
        "index" => (long)Index0 + 1,
        "revindex" => (long)(Length - Index0),
        "revindex0" => (long)(Length - Index0 - 1),
        "first" => Index0 == 0,
        "last" => Index0 == Length - 1,
        "length" => (long)Length,
        "depth" => 1L,
        "depth0" => 0L,
        "previtem" => Index0 > 0 ? items[Index0 - 1] : Undefined.Attribute(this, "previtem"),
        "nextitem" => Index0 < Length - 1 ? items[Index0 + 1] : Undefined.Attribute(this, "nextitem"),
        "cycle" => new PyFunction("cycle", a => a.Positional.Count == 0 ? throw new JinjaRenderException("no items for cycling given") : a.Positional[Index0 % a.Positional.Count]),
        _ => Undefined.Attribute(this, name),
    };
}
