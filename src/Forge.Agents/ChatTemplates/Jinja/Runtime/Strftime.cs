using System.Globalization;
using System.Text;

namespace Forge.Agents.ChatTemplates.Jinja;

/// <summary>
/// Python's <c>datetime.strftime</c> in the C locale for a naive local time (what transformers' <c>strftime_now</c>
/// formats): <c>%d %m %Y %y %b %B %a %A %H %I %M %S %p %j %w %e %c %x %X %F %T %D %%</c>, and glibc's <c>%-d</c>
/// (no padding). <c>%Z</c> and <c>%z</c> are empty, as they are for a naive time.
/// </summary>
internal static class Strftime
{
    public static string Format(DateTime t, string format)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length) { sb.Append(format[i]); continue; }
            var code = format[++i];
            var pad = true;
            if (code == '-' && i + 1 < format.Length)
            {
                pad = false;
                code = format[++i];
            }
            string Num(int value, int width) => pad ? value.ToString(new string('0', width), CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture);
            sb.Append(code switch
            {
                'd' => Num(t.Day, 2),
                'e' => pad ? t.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2) : t.Day.ToString(CultureInfo.InvariantCulture),
                'm' => Num(t.Month, 2),
                'Y' => t.Year.ToString(CultureInfo.InvariantCulture),
                'y' => Num(t.Year % 100, 2),
                'b' or 'h' => CultureInfo.InvariantCulture.DateTimeFormat.GetAbbreviatedMonthName(t.Month),
                'B' => CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(t.Month),
                'a' => CultureInfo.InvariantCulture.DateTimeFormat.GetAbbreviatedDayName(t.DayOfWeek),
                'A' => CultureInfo.InvariantCulture.DateTimeFormat.GetDayName(t.DayOfWeek),
                'H' => Num(t.Hour, 2),
                'I' => Num(t.Hour % 12 == 0 ? 12 : t.Hour % 12, 2),
                'M' => Num(t.Minute, 2),
                'S' => Num(t.Second, 2),
                'p' => t.Hour < 12 ? "AM" : "PM",
                'j' => Num(t.DayOfYear, 3),
                'w' => ((int)t.DayOfWeek).ToString(CultureInfo.InvariantCulture),
                'f' => (t.Ticks % TimeSpan.TicksPerSecond / 10).ToString("000000", CultureInfo.InvariantCulture),
                'c' => Format(t, "%a %b %e %H:%M:%S %Y"),
                'x' => Format(t, "%m/%d/%y"),
                'X' or 'T' => Format(t, "%H:%M:%S"),
                'F' => Format(t, "%Y-%m-%d"),
                'D' => Format(t, "%m/%d/%y"),
                'Z' or 'z' => "",
                '%' => "%",
                _ => "%" + (pad ? "" : "-") + code,
            });
        }
        return sb.ToString();
    }
}
