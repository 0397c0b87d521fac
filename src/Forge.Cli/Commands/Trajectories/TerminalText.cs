using System.Globalization;
using System.Text;

namespace Forge.Cli.Commands.Trajectories;

/// <summary>
/// Makes recorded text safe for a terminal: control characters (escape sequences included), bidirectional and other format
/// characters, lone surrogates (text that was not valid UTF-16) and U+FFFD (bytes that were not valid UTF-8 when decoded)
/// are shown as <c>\uXXXX</c> escapes, never written raw. Line breaks are left to the caller.
/// </summary>
internal static class TerminalText
{
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        StringBuilder? escaped = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var surrogatePair = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
            if (surrogatePair)
            {
                escaped?.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }
            if (!NeedsEscape(c))
            {
                escaped?.Append(c);
                continue;
            }
            escaped ??= new StringBuilder(text.Length + 16).Append(text, 0, i);
            escaped.Append(c == '\t' ? "\\t" : string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"));
        }
        return escaped?.ToString() ?? text;
    }

    private static bool NeedsEscape(char c) => c != '\n' && (c == '\uFFFD' || char.GetUnicodeCategory(c) is
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
        or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator);
}
