using System.Globalization;
using System.Text;
using Forge.Host.Recording;

namespace Forge.Host.Checking;

/// <summary>Makes text an environment or agent produced safe to show in a report: short, one line, no control or bidi characters.</summary>
internal static class CheckText
{
    /// <summary>At most <paramref name="max"/> characters of <paramref name="text"/>, characters <see cref="DisplayText"/> never shows raw escaped as <c>\uXXXX</c>.</summary>
    public static string Printable(string? text, int max = 60)
    {
        if (text is null) return "";
        var result = new StringBuilder(Math.Min(text.Length, max) + 8);
        foreach (var c in text)
        {
            if (result.Length >= max)
            {
                result.Append('…');
                break;
            }
            if (c is '\n' or '\r' or '\t') result.Append(' ');
            else if (DisplayText.IsUnsafe(c)) result.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            else result.Append(c);
        }
        return result.ToString();
    }
}
