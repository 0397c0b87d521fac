using System.Globalization;
using System.Text;

namespace Forge.Host.Recording;

/// <summary>
/// Makes recorded text safe to show, in a terminal or a page: control characters (escape sequences included), bidirectional and
/// other format characters, private-use and unassigned code points, lone surrogates (text that was not valid UTF-16) and U+FFFD
/// (bytes that were not valid UTF-8 when decoded) are written as <c>\uXXXX</c> escapes, a tab as <c>\t</c>; line breaks are
/// kept. An untrained policy emits such text; <c>forge replay</c>, <c>forge view</c> and the checker's reports all show it
/// through here.
/// </summary>
public static class DisplayText
{
    /// <summary>The text with every unsafe character escaped; the same instance when there is none.</summary>
    public static string Escape(string? text) => Escape(text, out _);

    /// <summary>The text with every unsafe character escaped; <paramref name="escaped"/> says whether anything was.</summary>
    public static string Escape(string? text, out bool escaped)
    {
        escaped = false;
        if (string.IsNullOrEmpty(text)) return "";
        StringBuilder? builder = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder?.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }
            if (!IsUnsafe(c))
            {
                builder?.Append(c);
                continue;
            }
            builder ??= new StringBuilder(text.Length + 16).Append(text, 0, i);
            builder.Append(c == '\t' ? "\\t" : string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"));
        }
        escaped = builder is not null;
        return builder?.ToString() ?? text;
    }

    /// <summary>True for a character that is never shown raw (see the type's summary).</summary>
    public static bool IsUnsafe(char c) => c != '\n' && (c == '\uFFFD' || char.GetUnicodeCategory(c) is
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
        or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator);
}
