using System.Text;

namespace Forge.Agents.ChatTemplates.Jinja;

/// <summary>Python's string algorithms that templates use: whitespace, strip, split, title case, replace.</summary>
internal static class PyStr
{
    /// <summary>The characters Python's <c>str.isspace()</c> accepts (those templates can meet).</summary>
    public static char[] WhitespaceChars { get; } =
        [' ', '\t', '\n', '\v', '\f', '\r', '\x1c', '\x1d', '\x1e', '\x1f', '\x85', '\xa0', '\u1680', '\u2000', '\u2001', '\u2002', '\u2003',
         '\u2004', '\u2005', '\u2006', '\u2007', '\u2008', '\u2009', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000'];

    public static bool IsSpace(char c) => c <= ' ' ? c is ' ' or (>= '\t' and <= '\r') or (>= '\x1c' and <= '\x1f') : Array.IndexOf(WhitespaceChars, c) >= 0;

    public static string Strip(string s, string? chars, bool left = true, bool right = true)
    {
        var set = chars?.ToCharArray() ?? WhitespaceChars;
        var start = 0;
        var end = s.Length;
        if (left) while (start < end && Array.IndexOf(set, s[start]) >= 0) start++;
        if (right) while (end > start && Array.IndexOf(set, s[end - 1]) >= 0) end--;
        return s[start..end];
    }

    public static List<object?> Split(string s, string? separator, long maxSplit)
    {
        var parts = new List<object?>();
        if (separator is null)
        {
            var i = 0;
            while (true)
            {
                while (i < s.Length && IsSpace(s[i])) i++;
                if (i >= s.Length) break;
                if (maxSplit >= 0 && parts.Count == maxSplit)
                {
                    parts.Add(Strip(s[i..], null, left: false));
                    break;
                }
                var start = i;
                while (i < s.Length && !IsSpace(s[i])) i++;
                parts.Add(s[start..i]);
            }
            return parts;
        }
        if (separator.Length == 0) throw new JinjaRenderException("empty separator");
        var from = 0;
        while (maxSplit < 0 || parts.Count < maxSplit)
        {
            var at = s.IndexOf(separator, from, StringComparison.Ordinal);
            if (at < 0) break;
            parts.Add(s[from..at]);
            from = at + separator.Length;
        }
        parts.Add(s[from..]);
        return parts;
    }

    public static List<object?> RSplit(string s, string? separator, long maxSplit)
    {
        if (maxSplit < 0) return Split(s, separator, maxSplit);
        var parts = new List<object?>();
        if (separator is null)
        {
            var i = s.Length;
            while (true)
            {
                while (i > 0 && IsSpace(s[i - 1])) i--;
                if (i <= 0) break;
                if (parts.Count == maxSplit)
                {
                    parts.Add(Strip(s[..i], null, right: false));
                    break;
                }
                var end = i;
                while (i > 0 && !IsSpace(s[i - 1])) i--;
                parts.Add(s[i..end]);
            }
            parts.Reverse();
            return parts;
        }
        if (separator.Length == 0) throw new JinjaRenderException("empty separator");
        var to = s.Length;
        while (parts.Count < maxSplit)
        {
            var at = to - separator.Length < 0 ? -1 : s.LastIndexOf(separator, to - 1, to, StringComparison.Ordinal);
            if (at < 0 || at + separator.Length > to) break;
            parts.Add(s[(at + separator.Length)..to]);
            to = at;
        }
        parts.Add(s[..to]);
        parts.Reverse();
        return parts;
    }

    public static string Replace(string s, string old, string replacement, long count)
    {
        if (count == 0) return s;
        if (old.Length == 0)
        {
            var sb = new StringBuilder();
            var n = 0L;
            foreach (var rune in s.EnumerateRunes())
            {
                if (count < 0 || n < count) { sb.Append(replacement); n++; }
                sb.Append(rune.ToString());
            }
            if (count < 0 || n < count) sb.Append(replacement);
            return sb.ToString();
        }
        if (count < 0) return s.Replace(old, replacement, StringComparison.Ordinal);
        var result = new StringBuilder();
        var from = 0;
        for (var done = 0L; done < count; done++)
        {
            var at = s.IndexOf(old, from, StringComparison.Ordinal);
            if (at < 0) break;
            result.Append(s, from, at - from).Append(replacement);
            from = at + old.Length;
        }
        return result.Append(s, from, s.Length - from).ToString();
    }

    /// <summary>Python's <c>str.title()</c>: a letter after a letter is lowered, any other letter raised.</summary>
    public static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        var previousCased = false;
        foreach (var c in s)
        {
            sb.Append(previousCased ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousCased = char.IsLetter(c);
        }
        return sb.ToString();
    }

    /// <summary>Python's <c>str.capitalize()</c>.</summary>
    public static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();
}
