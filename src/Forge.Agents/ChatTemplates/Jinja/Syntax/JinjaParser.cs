namespace Forge.Agents.ChatTemplates.Jinja;

/// <summary>
/// Parses tokens into a template body, following Jinja2's grammar: statements here, expressions in
/// <c>JinjaParser.Expressions.cs</c>. Errors name the template, line and column of the offending token.
/// </summary>
internal sealed partial class JinjaParser
{
    private readonly List<JinjaToken> _tokens;
    private readonly string _name;
    private int _index;

    private JinjaParser(List<JinjaToken> tokens, string name)
    {
        _tokens = tokens;
        _name = name;
    }

    /// <summary>Parses a whole template.</summary>
    public static IReadOnlyList<Node> Parse(string source, string name)
    {
        var parser = new JinjaParser(JinjaLexer.Tokenize(source, name), name);
        var body = parser.Subparse([]);
        if (parser.Current.Kind != TokenKind.End) throw parser.Error(parser.Current, $"unexpected {parser.Current}");
        return body;
    }

    private JinjaToken Current => _tokens[_index];

    private JinjaToken Peek => _tokens[Math.Min(_index + 1, _tokens.Count - 1)];

    private JinjaToken Next() => _tokens[_index < _tokens.Count - 1 ? _index++ : _index];

    private bool SkipName(string name)
    {
        if (!Current.IsName(name)) return false;
        _index++;
        return true;
    }

    private bool SkipOperator(string op)
    {
        if (!Current.IsOperator(op)) return false;
        _index++;
        return true;
    }

    private JinjaToken Expect(TokenKind kind, string? value = null)
    {
        var token = Current;
        if (token.Kind != kind || (value is not null && token.Value != value))
        {
            var wanted = value is not null ? $"'{value}'" : kind switch
            {
                TokenKind.Name => "a name",
                TokenKind.BlockEnd => "'%}'",
                TokenKind.VariableEnd => "'}}'",
                _ => kind.ToString(),
            };
            throw Error(token, $"expected {wanted}, got {token}");
        }
        return Next();
    }

    private JinjaSyntaxException Error(JinjaToken at, string reason) => new(_name, at.Line, at.Column, reason);

    // Parses nodes until a block tag named in endTags; leaves the parser on that tag's name.
    private List<Node> Subparse(IReadOnlyCollection<string> endTags)
    {
        var body = new List<Node>();
        while (true)
        {
            var token = Current;
            switch (token.Kind)
            {
                case TokenKind.End:
                    if (endTags.Count > 0) throw Error(token, $"unexpected end of template, expected {string.Join(" or ", endTags.Select(t => $"'{t}'"))}");
                    return body;
                case TokenKind.Data:
                    body.Add(new TextNode(token.Value, token.Line, token.Column));
                    Next();
                    break;
                case TokenKind.VariableBegin:
                    Next();
                    body.Add(new OutputNode(ParseTuple(withCondition: true, explicitParentheses: false), token.Line, token.Column));
                    Expect(TokenKind.VariableEnd);
                    break;
                case TokenKind.BlockBegin:
                    Next();
                    if (Current.Kind == TokenKind.Name && endTags.Contains(Current.Value)) return body;
                    body.Add(ParseStatement());
                    break;
                default:
                    throw Error(token, $"unexpected {token}");
            }
        }
    }

    // Parses the body up to the end tag and consumes "{% endtag %}".
    private List<Node> Body(string endTag)
    {
        var body = Subparse([endTag]);
        Next();
        Expect(TokenKind.BlockEnd);
        return body;
    }

    private Node ParseStatement()
    {
        var token = Current;
        if (token.Kind != TokenKind.Name) throw Error(token, "tag name expected");
        Next();
        switch (token.Value)
        {
            case "if": return ParseIf(token);
            case "for": return ParseFor(token);
            case "set": return ParseSet(token);
            case "macro": return ParseMacro(token);
            case "call": return ParseCallBlock(token);
            case "filter":
                var filters = ParseFilterChain(null, startInline: true);
                Expect(TokenKind.BlockEnd);
                return new FilterBlockNode(filters, Body("endfilter"), token.Line, token.Column);
            case "with": return ParseWith(token);
            case "generation":
                Expect(TokenKind.BlockEnd);
                return new GenerationNode(Body("endgeneration"), token.Line, token.Column);
            case "break":
            case "continue":
                Expect(TokenKind.BlockEnd);
                return new LoopControlNode(token.Value == "break", token.Line, token.Column);
            default:
                throw Error(token, $"Encountered unknown tag '{token.Value}'.");
        }
    }

    private IfNode ParseIf(JinjaToken start)
    {
        var branches = new List<(Expr, IReadOnlyList<Node>)>();
        List<Node>? otherwise = null;
        var condition = ParseTuple(withCondition: false, explicitParentheses: false);
        while (true)
        {
            Expect(TokenKind.BlockEnd);
            var body = Subparse(["elif", "else", "endif"]);
            branches.Add((condition, body));
            var tag = Next();
            if (tag.Value == "elif")
            {
                condition = ParseTuple(withCondition: false, explicitParentheses: false);
                continue;
            }
            if (tag.Value == "else")
            {
                Expect(TokenKind.BlockEnd);
                otherwise = Body("endif");
            }
            else Expect(TokenKind.BlockEnd);
            return new IfNode(branches, otherwise, start.Line, start.Column);
        }
    }

    private ForNode ParseFor(JinjaToken start)
    {
        var target = ParseAssignTarget(allowNamespace: false, "in");
        Expect(TokenKind.Name, "in");
        var iterable = ParseTuple(withCondition: false, explicitParentheses: false, "recursive");
        var filter = SkipName("if") ? ParseExpression() : null;
        var recursive = SkipName("recursive");
        if (recursive) throw Error(start, "recursive loops are not supported");
        Expect(TokenKind.BlockEnd);
        var body = Subparse(["endfor", "else"]);
        List<Node>? otherwise = null;
        if (Next().Value == "else")
        {
            Expect(TokenKind.BlockEnd);
            otherwise = Body("endfor");
        }
        else Expect(TokenKind.BlockEnd);
        return new ForNode(target, iterable, filter, body, otherwise, recursive, start.Line, start.Column);
    }

    private Node ParseSet(JinjaToken start)
    {
        var target = ParseAssignTarget(allowNamespace: true);
        if (SkipOperator("="))
        {
            var value = ParseTuple(withCondition: true, explicitParentheses: false);
            Expect(TokenKind.BlockEnd);
            return new SetNode(target, value, start.Line, start.Column);
        }
        var filters = Current.IsOperator("|") ? ParseFilterChain(null, startInline: false) : [];
        Expect(TokenKind.BlockEnd);
        return new BlockSetNode(target, filters, Body("endset"), start.Line, start.Column);
    }

    private MacroNode ParseMacro(JinjaToken start)
    {
        var name = Expect(TokenKind.Name).Value;
        var parameters = ParseSignature();
        Expect(TokenKind.BlockEnd);
        return new MacroNode(name, parameters, Body("endmacro"), start.Line, start.Column);
    }

    private CallBlockNode ParseCallBlock(JinjaToken start)
    {
        var parameters = Current.IsOperator("(") ? ParseSignature() : [];
        var call = ParseExpression() as CallExpr ?? throw Error(start, "expected call");
        Expect(TokenKind.BlockEnd);
        return new CallBlockNode(call, parameters, Body("endcall"), start.Line, start.Column);
    }

    private WithNode ParseWith(JinjaToken start)
    {
        var assignments = new List<(Target, Expr)>();
        while (Current.Kind != TokenKind.BlockEnd)
        {
            if (assignments.Count > 0) Expect(TokenKind.Operator, ",");
            var target = ParseAssignTarget(allowNamespace: false);
            Expect(TokenKind.Operator, "=");
            assignments.Add((target, ParseExpression()));
        }
        Expect(TokenKind.BlockEnd);
        return new WithNode(assignments, Body("endwith"), start.Line, start.Column);
    }

    private List<Parameter> ParseSignature()
    {
        var parameters = new List<Parameter>();
        Expect(TokenKind.Operator, "(");
        while (!Current.IsOperator(")"))
        {
            if (parameters.Count > 0) Expect(TokenKind.Operator, ",");
            var name = Expect(TokenKind.Name);
            var defaultValue = SkipOperator("=") ? ParseExpression() : null;
            if (defaultValue is null && parameters.Count > 0 && parameters[^1].Default is not null)
                throw Error(name, "non-default argument follows default argument");
            parameters.Add(new Parameter(name.Value, defaultValue));
        }
        Next();
        return parameters;
    }

    // A name, a tuple of names (for loops, set) or, for set, "namespace.attribute".
    private Target ParseAssignTarget(bool allowNamespace, string? endName = null)
    {
        if (allowNamespace && Current.Kind == TokenKind.Name && Peek.IsOperator("."))
        {
            var ns = Next().Value;
            Next();
            return new Target([ns], false, Expect(TokenKind.Name).Value);
        }
        var names = new List<string>();
        var tuple = false;
        var parenthesized = SkipOperator("(");
        while (true)
        {
            if (names.Count > 0)
            {
                if (!SkipOperator(",")) break;
                tuple = true;
                if (Current.Kind != TokenKind.Name || (endName is not null && Current.IsName(endName))) break;
            }
            var token = Expect(TokenKind.Name);
            if (token.Value is "true" or "false" or "none" or "True" or "False" or "None")
                throw Error(token, $"can't assign to '{token.Value}'");
            names.Add(token.Value);
        }
        if (parenthesized) Expect(TokenKind.Operator, ")");
        return new Target(names, tuple || parenthesized && names.Count > 1);
    }
}
