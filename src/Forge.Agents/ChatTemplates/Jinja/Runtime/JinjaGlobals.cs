namespace Forge.Agents.ChatTemplates.Jinja;

/// <summary>
/// The functions every template sees: Jinja2's <c>range</c>, <c>dict</c>, <c>namespace</c>, and transformers'
/// <c>raise_exception(message)</c> and <c>strftime_now(format)</c> (read from the injected clock).
/// </summary>
internal static class JinjaGlobals
{
    private const int MaxRange = 100_000;   // the sandbox's limit

    public static Scope Create(string templateName, TimeProvider clock)
    {
        var scope = new Scope(null);
        scope.Set("range", new PyFunction("range", Range));
        scope.Set("dict", new PyFunction("dict", a =>
        {
            var d = a.Positional.Count > 0 && a.Positional[0] is PyDict source ? new PyDict(source) : new PyDict();
            foreach (var (k, v) in a.Named) d[k] = v;
            return d;
        }));
        scope.Set("namespace", new PyFunction("namespace", a =>
        {
            var ns = new Namespace();
            if (a.Positional.Count > 0 && a.Positional[0] is PyDict initial)
                foreach (var (k, v) in initial) ns.Attributes[k] = v;
            foreach (var (k, v) in a.Named) ns.Attributes[k] = v;
            return ns;
        }));
        scope.Set("raise_exception", new PyFunction("raise_exception", a => throw new TemplateRaisedException(templateName, PyOps.Str(a.Get(0, "message", "")))));
        scope.Set("strftime_now", new PyFunction("strftime_now", a =>
            Strftime.Format(clock.GetLocalNow().DateTime, a.Get(0, "format") as string ?? throw new JinjaRenderException("strftime_now needs a format string"))));
        return scope;
    }

    private static object? Range(CallArguments a)
    {
        var numbers = a.Positional.Select(x => x is long or bool ? PyOps.ToLong(x) : throw new JinjaRenderException($"'{PyOps.TypeName(x)}' object cannot be interpreted as an integer")).ToList();
        var (start, stop, step) = numbers.Count switch
        {
            1 => (0L, numbers[0], 1L),
            2 => (numbers[0], numbers[1], 1L),
            3 => (numbers[0], numbers[1], numbers[2]),
            _ => throw new JinjaRenderException($"range expected 1 to 3 arguments, got {numbers.Count}"),
        };
        if (step == 0) throw new JinjaRenderException("range() arg 3 must not be zero");
        var result = new List<object?>();
        for (var i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            if (result.Count >= MaxRange) throw new JinjaRenderException($"Range too big. The sandbox blocks ranges larger than MAX_RANGE ({MaxRange}).");
            result.Add(i);
        }
        return result;
    }
}
