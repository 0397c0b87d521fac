using System.Globalization;
using System.Text;

namespace Forge.Agents.ChatTemplates.Jinja;

// str() and repr() as Python writes them: what {{ value }} prints.
internal static partial class PyOps
{
    /// <summary>Python's <c>str()</c>; an undefined value is empty.</summary>
    public static string Str(object? value) => value switch
    {
        string s => s,
        Undefined => "",
        _ => Repr(value),
    };

    /// <summary>Python's <c>repr()</c>.</summary>
    public static string Repr(object? value)
    {
        switch (value)
        {
            case null: return "None";
            case bool b: return b ? "True" : "False";
            case long l: return l.ToString(CultureInfo.InvariantCulture);
            case double d: return FloatRepr(d);
            case string s: return StringRepr(s);
            case Undefined: return "Undefined";
            case List<object?> list: return "[" + string.Join(", ", list.Select(Repr)) + "]";
            case object?[] tuple: return tuple.Length == 1 ? "(" + Repr(tuple[0]) + ",)" : "(" + string.Join(", ", tuple.Select(Repr)) + ")";
            case PyDict dict: return "{" + string.Join(", ", dict.Select(p => Repr(p.Key) + ": " + Repr(p.Value))) + "}";
            case Namespace ns: return "<Namespace " + Repr(ns.Attributes) + ">";
            case PyFunction f: return $"<function {f.Name}>";
            default: return value.ToString() ?? "";
        }
    }

    /// <summary>Python's float <c>repr</c>: shortest round-trip digits, exponent form below 1e-4 and from 1e16.</summary>
    public static string FloatRepr(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsInfinity(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return double.IsNegative(d) ? "-0.0" : "0.0";
        var (negative, digits, exponent) = ShortestDigits(d);   // value = 0.d1d2d3… × 10^exponent
        var sb = new StringBuilder(negative ? "-" : "");
        var point = exponent;                                    // digits before the decimal point
        if (point - 1 < -4 || point - 1 >= 16)
        {
            sb.Append(digits[0]);
            if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
            var e = point - 1;
            sb.Append('e').Append(e < 0 ? '-' : '+').Append(Math.Abs(e).ToString("00", CultureInfo.InvariantCulture));
        }
        else if (point <= 0) sb.Append("0.").Append('0', -point).Append(digits);
        else if (point >= digits.Length) sb.Append(digits).Append('0', point - digits.Length).Append(".0");
        else sb.Append(digits, 0, point).Append('.').Append(digits, point, digits.Length - point);
        return sb.ToString();
    }

    private static (bool Negative, string Digits, int Exponent) ShortestDigits(double d)
    {
        var r = Math.Abs(d).ToString("R", CultureInfo.InvariantCulture);   // e.g. "123.45", "1E-05", "1.5E+16"
        var exponent = 0;
        var e = r.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..e];
        }
        var dot = r.IndexOf('.');
        var intPart = dot < 0 ? r : r[..dot];
        var fracPart = dot < 0 ? "" : r[(dot + 1)..];
        var all = (intPart + fracPart).TrimStart('0');
        var leadingZeros = (intPart + fracPart).Length - all.Length;
        var point = intPart.Length + exponent - leadingZeros;
        return (d < 0, all.TrimEnd('0'), point);
    }

    private static string StringRepr(string s)
    {
        var quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        var sb = new StringBuilder().Append(quote);
        foreach (var c in s)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c == quote) sb.Append('\\').Append(c);
                    else if (c < 0x20 || c == 0x7f) sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append(quote).ToString();
    }
}
