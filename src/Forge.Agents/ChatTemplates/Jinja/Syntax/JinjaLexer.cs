using System.Globalization;
using System.Text;

namespace Forge.Agents.ChatTemplates.Jinja;

/// <summary>
/// Splits a template into tokens the way Jinja2 does with transformers' settings: <c>trim_blocks</c> (the first newline
/// after a block or comment tag is dropped), <c>lstrip_blocks</c> (spaces and tabs before a block or comment tag at the
/// start of a line are dropped), <c>-</c>/<c>+</c> whitespace control on every tag, line endings normalised to <c>\n</c>
/// and one trailing newline of the source dropped.
/// </summary>
internal sealed class JinjaLexer
{
    private static readonly string[] Operators =
        ["//", "**", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";"];

    private readonly string _name;
    private readonly string _source;
    private readonly List<int> _lineStarts = [0];
    private readonly List<JinjaToken> _tokens = [];
    private int _pos;
    private bool _lineStarting = true;

    private JinjaLexer(string source, string name)
    {
        _name = name;
        _source = Normalize(source);
        for (var i = 0; i < _source.Length; i++)
            if (_source[i] == '\n') _lineStarts.Add(i + 1);
    }

    /// <summary>Tokenizes <paramref name="source"/>; <paramref name="name"/> appears in syntax errors.</summary>
    public static List<JinjaToken> Tokenize(string source, string name)
    {
        var lexer = new JinjaLexer(source, name);
        lexer.Run();
        return lexer._tokens;
    }

    // \r\n and \r become \n; one trailing newline is dropped (Jinja2's keep_trailing_newline=False).
    private static string Normalize(string source)
    {
        var text = source.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        return text.EndsWith('\n') ? text[..^1] : text;
    }

    private void Run()
    {
        while (_pos < _source.Length)
        {
            var open = NextOpening(_pos);
            if (open < 0)
            {
                AddData(_source[_pos..], _pos);
                _pos = _source.Length;
                break;
            }
            var kind = _source[open + 1];   // '{', '%' or '#'
            var sign = open + 2 < _source.Length && _source[open + 2] is '-' or '+' ? _source[open + 2] : '\0';
            var text = _source[_pos..open];
            if (kind == '%' && TryRaw(open, sign, text)) continue;
            AddData(StripBefore(text, sign, kind), _pos);
            _pos = open + 2 + (sign == '\0' ? 0 : 1);
            _lineStarting = false;
            switch (kind)
            {
                case '#': Comment(open); break;
                case '%': Tag(TokenKind.BlockBegin, TokenKind.BlockEnd, open, "%}"); break;
                default: Tag(TokenKind.VariableBegin, TokenKind.VariableEnd, open, "}}"); break;
            }
        }
        _tokens.Add(new JinjaToken(TokenKind.End, "", LineOf(_source.Length), ColumnOf(_source.Length)));
    }

    private int NextOpening(int from)
    {
        for (var i = from; i + 1 < _source.Length; i++)
            if (_source[i] == '{' && _source[i + 1] is '{' or '%' or '#') return i;
        return -1;
    }

    // '-' strips all whitespace before the tag; otherwise lstrip_blocks drops the blanks that open a line before a block or comment.
    private string StripBefore(string text, char sign, char kind)
    {
        if (sign == '-') return text.TrimEnd(PyStr.WhitespaceChars);
        if (sign == '+' || kind == '{') return text;
        var lineStart = text.LastIndexOf('\n') + 1;
        if ((lineStart > 0 || _lineStarting) && lineStart < text.Length && text.AsSpan(lineStart).IndexOfAnyExcept(PyStr.WhitespaceChars) < 0)
            return text[..lineStart];
        return text;
    }

    private void AddData(string text, int at)
    {
        if (text.Length > 0) _tokens.Add(new JinjaToken(TokenKind.Data, text, LineOf(at), ColumnOf(at)));
    }

    private void Comment(int open)
    {
        for (var i = _pos; i + 1 < _source.Length; i++)
        {
            if (_source[i] is '-' or '+' && i + 2 < _source.Length && _source[i + 1] == '#' && _source[i + 2] == '}')
            {
                _pos = i + 3;
                if (_source[i] == '-') SkipWhitespace(); else _lineStarting = false;
                return;
            }
            if (_source[i] == '#' && _source[i + 1] == '}')
            {
                _pos = i + 2;
                TrimBlock();
                return;
            }
        }
        throw Error(open, "Missing end of comment tag");
    }

    private void Tag(TokenKind begin, TokenKind end, int open, string close)
    {
        _tokens.Add(new JinjaToken(begin, _source.Substring(open, 2), LineOf(open), ColumnOf(open)));
        var balance = new Stack<(char Close, int At)>();
        while (true)
        {
            while (_pos < _source.Length && PyStr.IsSpace(_source[_pos])) _pos++;
            if (_pos >= _source.Length)
                throw Error(open, $"unexpected end of template, expected '{close}'");
            var at = _pos;
            if (balance.Count == 0 && TryTagEnd(close, end)) return;
            var c = _source[_pos];
            if (c is '\'' or '"') _tokens.Add(new JinjaToken(TokenKind.String, ReadString(), LineOf(at), ColumnOf(at)));
            else if (char.IsAsciiDigit(c)) ReadNumber();
            else if (c == '_' || char.IsLetter(c))
            {
                var start = _pos;
                while (_pos < _source.Length && (_source[_pos] == '_' || char.IsLetterOrDigit(_source[_pos]))) _pos++;
                _tokens.Add(new JinjaToken(TokenKind.Name, _source[start.._pos], LineOf(start), ColumnOf(start)));
            }
            else
            {
                var op = Operators.FirstOrDefault(o => string.CompareOrdinal(_source, _pos, o, 0, o.Length) == 0)
                    ?? throw Error(at, $"unexpected character '{c}'");
                if (op is "(" or "[" or "{") balance.Push((op switch { "(" => ')', "[" => ']', _ => '}' }, at));
                else if (op is ")" or "]" or "}")
                {
                    if (balance.Count == 0) throw Error(at, $"unexpected '{op}'");
                    var expected = balance.Pop().Close;
                    if (expected != op[0]) throw Error(at, $"unexpected '{op}', expected '{expected}'");
                }
                _pos += op.Length;
                _tokens.Add(new JinjaToken(TokenKind.Operator, op, LineOf(at), ColumnOf(at)));
            }
        }
    }

    // "-%}" also eats the whitespace after it, "+%}" keeps everything, a plain "%}" (block) drops one newline (trim_blocks).
    private bool TryTagEnd(string close, TokenKind end)
    {
        var at = _pos;
        if (_source[_pos] is '-' or '+' && string.CompareOrdinal(_source, _pos + 1, close, 0, 2) == 0 && (_source[_pos] == '-' || end == TokenKind.BlockEnd))
        {
            _tokens.Add(new JinjaToken(end, close, LineOf(at), ColumnOf(at)));
            var minus = _source[_pos] == '-';
            _pos += 3;
            if (minus) SkipWhitespace(); else _lineStarting = false;
            return true;
        }
        if (string.CompareOrdinal(_source, _pos, close, 0, 2) != 0) return false;
        _tokens.Add(new JinjaToken(end, close, LineOf(at), ColumnOf(at)));
        _pos += 2;
        if (end == TokenKind.BlockEnd) TrimBlock(); else _lineStarting = false;
        return true;
    }

    private void TrimBlock()
    {
        _lineStarting = _pos < _source.Length && _source[_pos] == '\n';
        if (_lineStarting) _pos++;
    }

    private void SkipWhitespace()
    {
        var start = _pos;
        while (_pos < _source.Length && PyStr.IsSpace(_source[_pos])) _pos++;
        _lineStarting = _pos > start ? _source[_pos - 1] == '\n' : false;
    }

    // {% raw %}…{% endraw %}: the body is data, verbatim.
    private bool TryRaw(int open, char sign, string text)
    {
        var i = open + 2 + (sign == '\0' ? 0 : 1);
        while (i < _source.Length && PyStr.IsSpace(_source[i])) i++;
        if (string.CompareOrdinal(_source, i, "raw", 0, 3) != 0) return false;
        i += 3;
        while (i < _source.Length && PyStr.IsSpace(_source[i])) i++;
        int bodyStart;
        if (string.CompareOrdinal(_source, i, "-%}", 0, 3) == 0)
        {
            bodyStart = i + 3;
            while (bodyStart < _source.Length && PyStr.IsSpace(_source[bodyStart])) bodyStart++;
        }
        else if (string.CompareOrdinal(_source, i, "%}", 0, 2) == 0) bodyStart = i + 2;
        else return false;

        AddData(StripBefore(text, sign, '%'), _pos);
        for (var j = bodyStart; j + 1 < _source.Length; j++)
        {
            if (_source[j] != '{' || _source[j + 1] != '%') continue;
            var endSign = j + 2 < _source.Length && _source[j + 2] is '-' or '+' ? _source[j + 2] : '\0';
            var k = j + 2 + (endSign == '\0' ? 0 : 1);
            while (k < _source.Length && PyStr.IsSpace(_source[k])) k++;
            if (string.CompareOrdinal(_source, k, "endraw", 0, 6) != 0) continue;
            k += 6;
            while (k < _source.Length && PyStr.IsSpace(_source[k])) k++;
            _lineStarting = false;
            AddData(StripBefore(_source[bodyStart..j], endSign, '%'), bodyStart);
            _pos = k;
            if (!TryTagEnd("%}", TokenKind.BlockEnd)) throw Error(k, "expected '%}' after endraw");
            _tokens.RemoveAt(_tokens.Count - 1);
            return true;
        }
        throw Error(open, "Missing end of raw directive");
    }

    private string ReadString()
    {
        var quote = _source[_pos];
        var start = _pos;
        var sb = new StringBuilder();
        _pos++;
        while (true)
        {
            if (_pos >= _source.Length) throw Error(start, "unterminated string literal");
            var c = _source[_pos++];
            if (c == quote) return sb.ToString();
            if (c != '\\') { sb.Append(c); continue; }
            if (_pos >= _source.Length) throw Error(start, "unterminated string literal");
            var e = _source[_pos++];
            switch (e)
            {
                case '\n': break;
                case '\\': case '\'': case '"': sb.Append(e); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'v': sb.Append('\v'); break;
                case 'x': sb.Append(HexEscape(2, start)); break;
                case 'u': sb.Append(HexEscape(4, start)); break;
                case 'U': sb.Append(HexEscape(8, start)); break;
                case >= '0' and <= '7':
                    var value = e - '0';
                    for (var n = 0; n < 2 && _pos < _source.Length && _source[_pos] is >= '0' and <= '7'; n++) value = value * 8 + (_source[_pos++] - '0');
                    sb.Append(char.ConvertFromUtf32(value));
                    break;
                default: sb.Append('\\').Append(e); break;
            }
        }
    }

    private string HexEscape(int digits, int start)
    {
        if (_pos + digits > _source.Length || !int.TryParse(_source.AsSpan(_pos, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
            throw Error(start, $"truncated \\{(digits == 2 ? "x" : digits == 4 ? "u" : "U")} escape in a string literal");
        _pos += digits;
        return char.ConvertFromUtf32(code);
    }

    private void ReadNumber()
    {
        var start = _pos;
        Digits();
        var isFloat = false;
        var afterDot = start > 0 && _source[start - 1] == '.';
        if (!afterDot && _pos + 1 < _source.Length && _source[_pos] == '.' && char.IsAsciiDigit(_source[_pos + 1]))
        {
            _pos++;
            Digits();
            isFloat = true;
        }
        if (!afterDot && _pos < _source.Length && _source[_pos] is 'e' or 'E')
        {
            var save = _pos++;
            if (_pos < _source.Length && _source[_pos] is '+' or '-') _pos++;
            if (_pos < _source.Length && char.IsAsciiDigit(_source[_pos])) { Digits(); isFloat = true; }
            else _pos = save;
        }
        var text = _source[start.._pos].Replace("_", "", StringComparison.Ordinal);
        _tokens.Add(new JinjaToken(isFloat ? TokenKind.Float : TokenKind.Integer, text, LineOf(start), ColumnOf(start)));
    }

    private void Digits()
    {
        while (_pos < _source.Length && (char.IsAsciiDigit(_source[_pos]) || (_source[_pos] == '_' && _pos + 1 < _source.Length && char.IsAsciiDigit(_source[_pos + 1])))) _pos++;
    }

    private int LineOf(int offset)
    {
        var index = _lineStarts.BinarySearch(offset);
        return (index >= 0 ? index : ~index - 1) + 1;
    }

    private int ColumnOf(int offset) => offset - _lineStarts[LineOf(offset) - 1] + 1;

    private JinjaSyntaxException Error(int offset, string reason) => new(_name, LineOf(offset), ColumnOf(offset), reason);
}
