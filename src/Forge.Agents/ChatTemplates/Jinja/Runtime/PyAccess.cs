namespace Forge.Agents.ChatTemplates.Jinja;

/// <summary>
/// Jinja2's lookups: <c>obj.name</c> tries the attribute (a method, a namespace or loop attribute) and then the item;
/// <c>obj[key]</c> tries the item and then the attribute. A miss is an <see cref="Undefined"/> that says what was missing;
/// a lookup on an undefined value fails.
/// </summary>
internal static class PyAccess
{
    public static object? Attribute(object? owner, string name)
    {
        switch (owner)
        {
            case Undefined u: throw u.Fail();
            case Namespace ns: return ns.Attributes.TryGetValue(name, out var v) ? v : Undefined.Attribute(owner, name);
            case LoopInfo loop: return loop.Attribute(name);
        }
        if (PyMethods.Find(owner, name) is { } method) return method;
        return TryItem(owner, name, out var item) ? item : Undefined.Attribute(owner, name);
    }

    public static object? Item(object? owner, object? key)
    {
        if (owner is Undefined u) throw u.Fail();
        if (TryItem(owner, key, out var item)) return item;
        if (key is string name) return PyMethods.Find(owner, name) ?? Undefined.Attribute(owner, name);
        return Undefined.Element(owner, key);
    }

    private static bool TryItem(object? owner, object? key, out object? value)
    {
        value = null;
        switch (owner)
        {
            case PyDict d when key is not null && key is not (List<object?> or PyDict):
                return d.TryGetValue(key, out value);
            case List<object?> or object?[] when key is long or bool:
                return TryIndex(PyOps.Iterate(owner), PyOps.ToLong(key), out value);
            case string s when key is long or bool:
                return TryIndex(PyOps.Characters(s), PyOps.ToLong(key), out value);
            case Namespace ns when key is string name:
                return ns.Attributes.TryGetValue(name, out value);
            default:
                return false;
        }
    }

    private static bool TryIndex(IReadOnlyList<object?> items, long index, out object? value)
    {
        if (index < 0) index += items.Count;
        var found = index >= 0 && index < items.Count;
        value = found ? items[(int)index] : null;
        return found;
    }

    /// <summary>Python's <c>seq[start:stop:step]</c> on a list, tuple or string.</summary>
    public static object? Slice(object? owner, object? start, object? stop, object? step)
    {
        if (owner is Undefined u) throw u.Fail();
        var items = owner switch
        {
            string s => PyOps.Characters(s),
            List<object?> or object?[] => PyOps.Iterate(owner),
            _ => throw new JinjaRenderException($"'{PyOps.TypeName(owner)}' object is not subscriptable"),
        };
        var n = items.Count;
        var by = step is null ? 1 : Index(step);
        if (by == 0) throw new JinjaRenderException("slice step cannot be zero");
        long from, to;
        if (by > 0)
        {
            from = start is null ? 0 : Clamp(Index(start), n, 0, n);
            to = stop is null ? n : Clamp(Index(stop), n, 0, n);
        }
        else
        {
            from = start is null ? n - 1 : Clamp(Index(start), n, -1, n - 1);
            to = stop is null ? -1 : Clamp(Index(stop), n, -1, n - 1);
        }
        var picked = new List<object?>();
        for (var i = from; by > 0 ? i < to : i > to; i += by) picked.Add(items[(int)i]);
        return owner switch
        {
            string => string.Concat(picked.Cast<string>()),
            object?[] => picked.ToArray(),
            _ => picked,
        };
    }

    private static long Index(object? value) => value is long or bool ? PyOps.ToLong(value)
        : throw new JinjaRenderException("slice indices must be integers or None");

    private static long Clamp(long index, long length, long low, long high)
    {
        if (index < 0) index += length;
        return Math.Clamp(index, low, high);
    }
}
