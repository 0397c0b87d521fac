using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Forge.Training.Tokenization.HuggingFace;

/// <summary>
/// Runs a pre-tokenizer regex over code points, as Hugging Face's (Oniguruma) engine does, although .NET matches UTF-16
/// units: a character outside the BMP is two surrogates to .NET, so <c>\p{L}</c> would miss 𝐇 or 𠀀. When the text
/// has such characters, the regex runs on a copy where each one is a single BMP stand-in of the same Unicode category,
/// and the matches are mapped back.
/// </summary>
internal static class CodePointRegex
{
    /// <summary>Start and length (in <paramref name="text"/>'s UTF-16 units) of each match, left to right.</summary>
    public static List<(int Start, int Length)> Matches(Regex regex, string text)
    {
        var found = new List<(int, int)>();
        if (!HasSurrogatePair(text))
        {
            for (var m = regex.Match(text); m.Success; m = m.NextMatch())
                if (m.Length > 0) found.Add((m.Index, m.Length));
            return found;
        }

        var stand = new StringBuilder(text.Length);
        var origin = new List<int>(text.Length + 1); // origin[i] = index in text of stand-in char i
        for (var i = 0; i < text.Length; i++)
        {
            origin.Add(i);
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                stand.Append(StandIn(CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(text[i], text[i + 1]))));
                i++;
            }
            else
            {
                stand.Append(text[i]);
            }
        }
        origin.Add(text.Length);
        for (var m = regex.Match(stand.ToString()); m.Success; m = m.NextMatch())
        {
            if (m.Length == 0) continue;
            var start = origin[m.Index];
            found.Add((start, origin[m.Index + m.Length] - start));
        }
        return found;
    }

    private static bool HasSurrogatePair(string text)
    {
        for (var i = 0; i + 1 < text.Length; i++)
            if (char.IsHighSurrogate(text[i]) && char.IsLowSurrogate(text[i + 1]))
                return true;
        return false;
    }

    // A BMP character of each category, chosen to be unlikely as a literal in a pattern.
    private static char StandIn(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter => '\u01A9',
        UnicodeCategory.LowercaseLetter => '\u0180',
        UnicodeCategory.TitlecaseLetter => '\u01C5',
        UnicodeCategory.ModifierLetter => '\u02B0',
        UnicodeCategory.OtherLetter => '\u01BB',
        UnicodeCategory.NonSpacingMark => '\u0300',
        UnicodeCategory.SpacingCombiningMark => '\u0903',
        UnicodeCategory.EnclosingMark => '\u20DD',
        UnicodeCategory.DecimalDigitNumber => '\u0660',
        UnicodeCategory.LetterNumber => '\u2160',
        UnicodeCategory.OtherNumber => '\u00B2',
        UnicodeCategory.ConnectorPunctuation => '\u203F',
        UnicodeCategory.DashPunctuation => '\u2010',
        UnicodeCategory.OpenPunctuation => '\u2045',
        UnicodeCategory.ClosePunctuation => '\u2046',
        UnicodeCategory.InitialQuotePunctuation => '\u2E02',
        UnicodeCategory.FinalQuotePunctuation => '\u2E03',
        UnicodeCategory.OtherPunctuation => '\u00B6',
        UnicodeCategory.MathSymbol => '\u00AC',
        UnicodeCategory.CurrencySymbol => '\u00A4',
        UnicodeCategory.ModifierSymbol => '\u02C2',
        UnicodeCategory.OtherSymbol => '\u00A6',
        UnicodeCategory.Format => '\u00AD',
        UnicodeCategory.PrivateUse => '\uE000',
        _ => '\u0378', // unassigned
    };
}
