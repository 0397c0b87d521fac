using System.Globalization;
using System.Text;

namespace Forge.Agents.ChatTemplates.Jinja;

/// <summary>Python's arithmetic on template values; an undefined operand fails with its own message.</summary>
internal static class PyArith
{
    public static object? Binary(string op, object? a, object? b)
    {
        if (a is Undefined ua) throw ua.Fail();
        if (b is Undefined ub) throw ub.Fail();
        var numbers = PyOps.IsNumber(a) && PyOps.IsNumber(b);
        var integers = numbers && a is not double && b is not double;
        switch (op)
        {
            case "+" when integers: return checked(PyOps.ToLong(a) + PyOps.ToLong(b));
            case "+" when numbers: return PyOps.ToDouble(a) + PyOps.ToDouble(b);
            case "+" when a is string s && b is string t: return s + t;
            case "+" when a is List<object?> l && b is List<object?> m: return l.Concat(m).ToList();
            case "+" when a is object?[] x && b is object?[] y: return x.Concat(y).ToArray();
            case "-" when integers: return checked(PyOps.ToLong(a) - PyOps.ToLong(b));
            case "-" when numbers: return PyOps.ToDouble(a) - PyOps.ToDouble(b);
            case "*" when integers: return checked(PyOps.ToLong(a) * PyOps.ToLong(b));
            case "*" when numbers: return PyOps.ToDouble(a) * PyOps.ToDouble(b);
            case "*" when a is string s && b is long or bool: return Repeat(s, PyOps.ToLong(b));
            case "*" when b is string s && a is long or bool: return Repeat(s, PyOps.ToLong(a));
            case "*" when a is List<object?> l && b is long or bool: return Enumerable.Repeat(l, (int)Math.Max(0, PyOps.ToLong(b))).SelectMany(x => x).ToList();
            case "/" when numbers:
                if (PyOps.ToDouble(b) == 0) throw new JinjaRenderException("division by zero");
                return PyOps.ToDouble(a) / PyOps.ToDouble(b);
            case "//" when numbers:
                if (PyOps.ToDouble(b) == 0) throw new JinjaRenderException("integer division or modulo by zero");
                if (integers) return FloorDiv(PyOps.ToLong(a), PyOps.ToLong(b));
                return Math.Floor(PyOps.ToDouble(a) / PyOps.ToDouble(b));
            case "%" when numbers:
                if (PyOps.ToDouble(b) == 0) throw new JinjaRenderException("integer division or modulo by zero");
                if (integers) return PyOps.ToLong(a) - PyOps.ToLong(b) * FloorDiv(PyOps.ToLong(a), PyOps.ToLong(b));
                var (da, db) = (PyOps.ToDouble(a), PyOps.ToDouble(b));
                return da - db * Math.Floor(da / db);
            case "%" when a is string format: return Printf(format, b is object?[] tuple ? tuple : [b]);
            case "**" when integers && PyOps.ToLong(b) >= 0:
                var result = 1L;
                for (var i = 0L; i < PyOps.ToLong(b); i++) result = checked(result * PyOps.ToLong(a));
                return result;
            case "**" when numbers: return Math.Pow(PyOps.ToDouble(a), PyOps.ToDouble(b));
        }
        throw new JinjaRenderException($"unsupported operand type(s) for {op}: '{PyOps.TypeName(a)}' and '{PyOps.TypeName(b)}'");
    }

    public static object? Negate(object? value, bool minus) => value switch
    {
        Undefined u => throw u.Fail(),
        double d => (object)(minus ? -d : d),
        long or bool => minus ? -PyOps.ToLong(value) : PyOps.ToLong(value),
        _ => throw new JinjaRenderException($"bad operand type for unary {(minus ? "-" : "+")}: '{PyOps.TypeName(value)}'"),
    };

    private static long FloorDiv(long a, long b)
    {
        var q = a / b;
        return (a % b != 0) && ((a < 0) != (b < 0)) ? q - 1 : q;
    }

    private static string Repeat(string s, long n) => n <= 0 ? "" : new StringBuilder(s.Length * (int)n).Insert(0, s, (int)n).ToString();

    /// <summary>Python's <c>format % args</c> for <c>%s %r %d %i %f %x %%</c> with flags, width and precision.</summary>
    public static string Printf(string format, IReadOnlyList<object?> args)
    {
        var sb = new StringBuilder();
        var next = 0;
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%') { sb.Append(format[i]); continue; }
            var j = i + 1;
            var flagsStart = j;
            while (j < format.Length && "-+ 0#".Contains(format[j])) j++;
            var leftAlign = format.AsSpan(flagsStart, j - flagsStart).Contains('-');
            var widthStart = j;
            while (j < format.Length && char.IsAsciiDigit(format[j])) j++;
            var width = j > widthStart ? int.Parse(format.AsSpan(widthStart, j - widthStart), CultureInfo.InvariantCulture) : 0;
            int? precision = null;
            if (j < format.Length && format[j] == '.')
            {
                var p = ++j;
                while (j < format.Length && char.IsAsciiDigit(format[j])) j++;
                precision = j > p ? int.Parse(format.AsSpan(p, j - p), CultureInfo.InvariantCulture) : 0;
            }
            if (j >= format.Length) throw new JinjaRenderException("incomplete format");
            var spec = format[i..(j + 1)];
            var conversion = format[j];
            i = j;
            if (conversion == '%') { sb.Append('%'); continue; }
            if (next >= args.Count) throw new JinjaRenderException("not enough arguments for format string");
            var arg = args[next++];
            var text = conversion switch
            {
                's' => PyOps.Str(arg),
                'r' => PyOps.Repr(arg),
                'd' or 'i' when PyOps.IsNumber(arg) => ((long)Math.Truncate(PyOps.ToDouble(arg))).ToString(CultureInfo.InvariantCulture),
                'f' or 'F' when PyOps.IsNumber(arg) => PyOps.ToDouble(arg).ToString("F" + (precision ?? 6), CultureInfo.InvariantCulture),
                'x' when arg is long or bool => PyOps.ToLong(arg).ToString("x", CultureInfo.InvariantCulture),
                _ => throw new JinjaRenderException($"unsupported format '{spec}' for a {PyOps.TypeName(arg)}"),
            };
            if (conversion is 's' or 'r' && precision is { } cut && text.Length > cut) text = text[..cut];
            if (text.Length < width) text = leftAlign ? text.PadRight(width) : text.PadLeft(width);
            sb.Append(text);
        }
        if (next < args.Count) throw new JinjaRenderException("not all arguments converted during string formatting");
        return sb.ToString();
    }
}
