using System.Globalization;

namespace Forge.Agents.ChatTemplates.Jinja;

// The filters over sequences: join, map, select/reject(attr), unique, sort, dictsort, min/max, sum, batch.
internal static partial class JinjaFilters
{
    private static string Join(object? value, CallArguments a)
    {
        var separator = PyOps.Str(a.Get(0, "d", ""));
        var attribute = a.Get(1, "attribute");
        var items = PyOps.Iterate(value).Select(x => attribute is null ? x : PyAccess.Attribute(x, PyOps.Str(attribute)));
        return string.Join(separator, items.Select(PyOps.Str));
    }

    private static object? Map(object? value, CallArguments a, JinjaInterpreter interpreter)
    {
        var items = PyOps.Iterate(value);
        if (a.Named.TryGetValue("attribute", out var attribute))
        {
            var hasDefault = a.Named.TryGetValue("default", out var fallback);
            return items.Select(x => Lookup(x, attribute) is var v && v is Undefined && hasDefault ? fallback : v).ToList();
        }
        if (a.Positional.Count == 0) throw new JinjaRenderException("map requires a filter argument");
        var filter = PyOps.Str(a.Positional[0]);
        var rest = new CallArguments(a.Positional.Skip(1).ToList(), a.Named);
        return items.Select(x => interpreter.Filter(filter, x, rest)).ToList();
    }

    // "a.b" walks attributes; digits are indexes, as Jinja2's make_attrgetter does.
    private static object? Lookup(object? item, object? attribute)
    {
        if (attribute is long index) return PyAccess.Item(item, index);
        foreach (var part in PyOps.Str(attribute).Split('.'))
            item = long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? PyAccess.Item(item, i) : PyAccess.Item(item, part);
        return item;
    }

    private static List<object?> Select(object? value, CallArguments a, JinjaInterpreter interpreter, bool attribute, bool keep)
    {
        var offset = attribute ? 1 : 0;
        var attributeName = attribute ? a.Get(0, "attribute") : null;
        var test = a.Positional.Count > offset ? PyOps.Str(a.Positional[offset]) : null;
        var testArgs = new CallArguments(a.Positional.Skip(offset + 1).ToList(), new PyDict());
        return PyOps.Iterate(value).Where(x =>
        {
            var subject = attribute ? Lookup(x, attributeName) : x;
            var passed = test is null ? PyOps.Truthy(subject) : interpreter.Test(test, subject, testArgs);
            return passed == keep;
        }).ToList();
    }

    private static List<object?> Unique(object? value, CallArguments a)
    {
        var caseSensitive = PyOps.Truthy(a.Get(0, "case_sensitive", false));
        var attribute = a.Get(1, "attribute");
        var seen = new List<object?>();
        var result = new List<object?>();
        foreach (var item in PyOps.Iterate(value))
        {
            var key = attribute is null ? item : Lookup(item, attribute);
            if (!caseSensitive && key is string s) key = s.ToLowerInvariant();
            if (seen.Any(k => PyOps.Equal(k, key))) continue;
            seen.Add(key);
            result.Add(item);
        }
        return result;
    }

    private static List<object?> Sort(object? value, CallArguments a)
    {
        var reverse = PyOps.Truthy(a.Get(0, "reverse", false));
        var caseSensitive = PyOps.Truthy(a.Get(1, "case_sensitive", false));
        var attribute = a.Get(2, "attribute");
        object? Key(object? x)
        {
            var k = attribute is null ? x : Lookup(x, attribute);
            return !caseSensitive && k is string s ? s.ToLowerInvariant() : k;
        }
        var items = PyOps.Iterate(value).ToList();
        var sorted = items.Select((x, i) => (x, i)).Order(Comparer<(object? X, int I)>.Create((p, q) =>
        {
            var c = PyOps.Compare(Key(p.X), Key(q.X), "<");
            return c != 0 ? (reverse ? -c : c) : p.I.CompareTo(q.I);
        }));
        return sorted.Select(p => p.Item1).ToList();
    }

    private static List<object?> DictSort(object? value, CallArguments a)
    {
        if (value is not PyDict dict) throw TypeError("dictsort", value);
        var caseSensitive = PyOps.Truthy(a.Get(0, "case_sensitive", false));
        var byValue = PyOps.Str(a.Get(1, "by", "key")) == "value";
        var reverse = PyOps.Truthy(a.Get(2, "reverse", false));
        object? Key(KeyValuePair<object, object?> p)
        {
            var k = byValue ? p.Value : p.Key;
            return !caseSensitive && k is string s ? s.ToLowerInvariant() : k;
        }
        var pairs = dict.ToList();
        pairs.Sort((p, q) => PyOps.Compare(Key(p), Key(q), "<") * (reverse ? -1 : 1));
        return pairs.Select(p => (object?)new object?[] { p.Key, p.Value }).ToList();
    }

    private static object? MinMax(object? value, CallArguments a, bool max)
    {
        var items = PyOps.Iterate(value);
        if (items.Count == 0) return Undefined.Plain;
        var caseSensitive = PyOps.Truthy(a.Get(0, "case_sensitive", false));
        var attribute = a.Get(1, "attribute");
        object? Key(object? x)
        {
            var k = attribute is null ? x : Lookup(x, attribute);
            return !caseSensitive && k is string s ? s.ToLowerInvariant() : k;
        }
        var best = items[0];
        foreach (var item in items.Skip(1))
        {
            var c = PyOps.Compare(Key(item), Key(best), max ? ">" : "<");
            if (max ? c > 0 : c < 0) best = item;
        }
        return best;
    }

    private static object? Sum(object? value, CallArguments a)
    {
        var attribute = a.Get(0, "attribute");
        object? total = a.Get(1, "start", 0L);
        foreach (var item in PyOps.Iterate(value)) total = PyArith.Binary("+", total, attribute is null ? item : Lookup(item, attribute));
        return total;
    }

    private static List<object?> Batch(object? value, CallArguments a)
    {
        var size = (int)PyOps.ToLong(a.Get(0, "linecount"));
        if (size <= 0) throw new JinjaRenderException("batch size must be positive");
        var fill = a.Has(1, "fill_with");
        var result = new List<object?>();
        List<object?>? current = null;
        foreach (var item in PyOps.Iterate(value))
        {
            current ??= [];
            current.Add(item);
            if (current.Count == size) { result.Add(current); current = null; }
        }
        if (current is not null)
        {
            while (fill && current.Count < size) current.Add(a.Get(1, "fill_with"));
            result.Add(current);
        }
        return result;
    }
}
