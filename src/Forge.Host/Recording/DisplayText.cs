using System.Globalization;
using System.Text;

namespace Forge.Host.Recording;

/// <summary>
/// Makes recorded text safe to show: control characters (other than newline and tab), lone surrogates and the replacement
/// character that stands for bytes that were not valid UTF-8 are written as escapes (<c>\x1B</c>, <c>\uD800</c>,
/// <c>\uFFFD</c>), never passed raw to a terminal or a page. An untrained policy emits such text; the viewer and
/// <c>forge replay</c> both show it through here.
/// </summary>
public static class DisplayText
{
    /// <summary>The text with every unsafe character escaped; the same instance when there is none.</summary>
    public static string Escape(string? text) => Escape(text, out _);

    /// <summary>The text with every unsafe character escaped; <paramref name="escaped"/> says whether anything was.</summary>
    public static string Escape(string? text, out bool escaped)
    {
        escaped = false;
        if (string.IsNullOrEmpty(text)) return text ?? "";
        var first = FirstUnsafe(text);
        if (first < 0) return text;

        escaped = true;
        var builder = new StringBuilder(text.Length + 16).Append(text, 0, first);
        for (var i = first; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[++i]);
                continue;
            }
            if (!IsUnsafe(c)) builder.Append(c);
            else if (c < 0x100) builder.Append("\\x").Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            else builder.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
        }
        return builder.ToString();
    }

    private static int FirstUnsafe(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
            if (IsUnsafe(c)) return i;
        }
        return -1;
    }

    // C0 controls except \n and \t, DEL, C1 controls, unpaired surrogates, U+FFFD (what undecodable bytes became), bidi overrides.
    private static bool IsUnsafe(char c) =>
        (c < 0x20 && c != '\n' && c != '\t') || c is >= '\x7F' and <= '\x9F' || char.IsSurrogate(c) || c == '\uFFFD'
        || c is >= '\u202A' and <= '\u202E' || c is >= '\u2066' and <= '\u2069';
}
