using System.Globalization;

namespace Forge.Agents.ChatTemplates.Jinja;

// Expressions, from the loosest binding to the tightest, as Jinja2 parses them:
// conditional → or → and → not → comparisons → + - → ~ → * / // % → ** → unary - + → primary, postfix, filters and tests.
internal sealed partial class JinjaParser
{
    private static readonly HashSet<string> CompareOperators = ["==", "!=", "<", "<=", ">", ">="];

    private Expr ParseExpression(bool withCondition = true) => withCondition ? ParseConditional() : ParseOr();

    // Comma-separated expressions become a tuple; a single one is itself.
    private Expr ParseTuple(bool withCondition, bool explicitParentheses, string? endName = null)
    {
        var start = Current;
        var items = new List<Expr>();
        var isTuple = false;
        while (true)
        {
            if (items.Count > 0) Expect(TokenKind.Operator, ",");
            if (Current.Kind is TokenKind.VariableEnd or TokenKind.BlockEnd or TokenKind.End || Current.IsOperator(")")
                || (endName is not null && Current.IsName(endName)))
                break;
            items.Add(ParseExpression(withCondition));
            if (Current.IsOperator(",")) isTuple = true;
            else break;
        }
        if (!isTuple)
        {
            if (items.Count > 0) return items[0];
            if (!explicitParentheses) throw Error(Current, $"expected an expression, got {Current}");
        }
        return new ListExpr(items, true, start.Line, start.Column);
    }

    private Expr ParseConditional()
    {
        var expr = ParseOr();
        while (Current.IsName("if"))
        {
            var at = Next();
            var condition = ParseOr();
            var otherwise = SkipName("else") ? ParseConditional() : null;
            expr = new ConditionalExpr(condition, expr, otherwise, at.Line, at.Column);
        }
        return expr;
    }

    private Expr ParseOr()
    {
        var left = ParseAnd();
        while (Current.IsName("or"))
        {
            var at = Next();
            left = new BinaryExpr("or", left, ParseAnd(), at.Line, at.Column);
        }
        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        while (Current.IsName("and"))
        {
            var at = Next();
            left = new BinaryExpr("and", left, ParseNot(), at.Line, at.Column);
        }
        return left;
    }

    private Expr ParseNot()
    {
        if (!Current.IsName("not")) return ParseCompare();
        var at = Next();
        return new UnaryExpr("not", ParseNot(), at.Line, at.Column);
    }

    private Expr ParseCompare()
    {
        var start = Current;
        var first = ParseAdditive();
        var rest = new List<(string, Expr)>();
        while (true)
        {
            if (Current.Kind == TokenKind.Operator && CompareOperators.Contains(Current.Value))
                rest.Add((Next().Value, ParseAdditive()));
            else if (SkipName("in"))
                rest.Add(("in", ParseAdditive()));
            else if (Current.IsName("not") && Peek.IsName("in"))
            {
                _index += 2;
                rest.Add(("not in", ParseAdditive()));
            }
            else break;
        }
        return rest.Count == 0 ? first : new CompareExpr(first, rest, start.Line, start.Column);
    }

    private Expr ParseAdditive()
    {
        var left = ParseConcat();
        while (Current.IsOperator("+") || Current.IsOperator("-"))
        {
            var op = Next();
            left = new BinaryExpr(op.Value, left, ParseConcat(), op.Line, op.Column);
        }
        return left;
    }

    private Expr ParseConcat()
    {
        var left = ParseMultiplicative();
        while (Current.IsOperator("~"))
        {
            var op = Next();
            left = new BinaryExpr("~", left, ParseMultiplicative(), op.Line, op.Column);
        }
        return left;
    }

    private Expr ParseMultiplicative()
    {
        var left = ParsePower();
        while (Current.Kind == TokenKind.Operator && Current.Value is "*" or "/" or "//" or "%")
        {
            var op = Next();
            left = new BinaryExpr(op.Value, left, ParsePower(), op.Line, op.Column);
        }
        return left;
    }

    private Expr ParsePower()
    {
        var left = ParseUnary();
        while (Current.IsOperator("**"))
        {
            var op = Next();
            left = new BinaryExpr("**", left, ParseUnary(), op.Line, op.Column);
        }
        return left;
    }

    private Expr ParseUnary(bool withFilter = true)
    {
        var token = Current;
        Expr node;
        if (token.IsOperator("-") || token.IsOperator("+"))
        {
            Next();
            node = new UnaryExpr(token.Value, ParseUnary(withFilter: false), token.Line, token.Column);
        }
        else node = ParsePrimary();
        node = ParsePostfix(node);
        return withFilter ? ParseFilterAndTests(node) : node;
    }

    private Expr ParsePrimary()
    {
        var token = Next();
        switch (token.Kind)
        {
            case TokenKind.Name:
                return token.Value switch
                {
                    "true" or "True" => new LiteralExpr(true, token.Line, token.Column),
                    "false" or "False" => new LiteralExpr(false, token.Line, token.Column),
                    "none" or "None" => new LiteralExpr(null, token.Line, token.Column),
                    _ => new NameExpr(token.Value, token.Line, token.Column),
                };
            case TokenKind.String:
                var text = token.Value;
                while (Current.Kind == TokenKind.String) text += Next().Value;
                return new LiteralExpr(text, token.Line, token.Column);
            case TokenKind.Integer:
                if (!long.TryParse(token.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var integer))
                    throw Error(token, $"integer literal {token.Value} is too large");
                return new LiteralExpr(integer, token.Line, token.Column);
            case TokenKind.Float:
                return new LiteralExpr(double.Parse(token.Value, NumberStyles.Float, CultureInfo.InvariantCulture), token.Line, token.Column);
            case TokenKind.Operator when token.Value == "(":
                var inner = ParseTuple(withCondition: true, explicitParentheses: true);
                Expect(TokenKind.Operator, ")");
                return inner;
            case TokenKind.Operator when token.Value == "[":
                var items = new List<Expr>();
                while (!Current.IsOperator("]"))
                {
                    if (items.Count > 0) Expect(TokenKind.Operator, ",");
                    if (Current.IsOperator("]")) break;
                    items.Add(ParseExpression());
                }
                Next();
                return new ListExpr(items, false, token.Line, token.Column);
            case TokenKind.Operator when token.Value == "{":
                var pairs = new List<(Expr, Expr)>();
                while (!Current.IsOperator("}"))
                {
                    if (pairs.Count > 0) Expect(TokenKind.Operator, ",");
                    if (Current.IsOperator("}")) break;
                    var key = ParseExpression();
                    Expect(TokenKind.Operator, ":");
                    pairs.Add((key, ParseExpression()));
                }
                Next();
                return new DictExpr(pairs, token.Line, token.Column);
            default:
                throw Error(token, $"unexpected {token}");
        }
    }

    private Expr ParsePostfix(Expr node)
    {
        while (true)
        {
            var token = Current;
            if (token.IsOperator("."))
            {
                Next();
                var attribute = Next();
                node = attribute.Kind switch
                {
                    TokenKind.Name => new AttributeExpr(node, attribute.Value, token.Line, token.Column),
                    TokenKind.Integer => new ItemExpr(node, new LiteralExpr(long.Parse(attribute.Value, CultureInfo.InvariantCulture), attribute.Line, attribute.Column), token.Line, token.Column),
                    _ => throw Error(attribute, $"expected name or number after '.', got {attribute}"),
                };
            }
            else if (token.IsOperator("["))
            {
                Next();
                var keys = new List<Expr>();
                while (!Current.IsOperator("]"))
                {
                    if (keys.Count > 0) Expect(TokenKind.Operator, ",");
                    keys.Add(ParseSubscript());
                }
                Next();
                if (keys.Count == 0) throw Error(token, "expected a subscript");
                node = new ItemExpr(node, keys.Count == 1 ? keys[0] : new ListExpr(keys, true, token.Line, token.Column), token.Line, token.Column);
            }
            else if (token.IsOperator("("))
                node = new CallExpr(node, ParseCallArguments(), token.Line, token.Column);
            else return node;
        }
    }

    private Expr ParseSubscript()
    {
        var start = Current;
        Expr? first = null;
        if (!Current.IsOperator(":"))
        {
            first = ParseExpression();
            if (!Current.IsOperator(":")) return first;
        }
        Next();
        var stop = Current.IsOperator("]") || Current.IsOperator(",") || Current.IsOperator(":") ? null : ParseExpression();
        Expr? step = null;
        if (SkipOperator(":") && !Current.IsOperator("]") && !Current.IsOperator(","))
            step = ParseExpression();
        return new SliceExpr(first, stop, step, start.Line, start.Column);
    }

    private Arguments ParseCallArguments()
    {
        Expect(TokenKind.Operator, "(");
        var positional = new List<Expr>();
        var named = new List<(string, Expr)>();
        Expr? star = null, doubleStar = null;
        while (!Current.IsOperator(")"))
        {
            if (positional.Count + named.Count > 0 || star is not null || doubleStar is not null) Expect(TokenKind.Operator, ",");
            if (Current.IsOperator(")")) break;
            if (SkipOperator("*")) star = ParseExpression();
            else if (SkipOperator("**")) doubleStar = ParseExpression();
            else if (Current.Kind == TokenKind.Name && Peek.IsOperator("="))
            {
                var name = Next().Value;
                Next();
                named.Add((name, ParseExpression()));
            }
            else
            {
                if (named.Count > 0) throw Error(Current, "positional argument follows keyword argument");
                positional.Add(ParseExpression());
            }
        }
        Next();
        return new Arguments(positional, named, star, doubleStar);
    }

    private Expr ParseFilterAndTests(Expr node)
    {
        while (true)
        {
            if (Current.IsOperator("|")) node = ParseFilterChain(node, startInline: false)[^1];
            else if (Current.IsName("is")) node = ParseTest(node);
            else if (Current.IsOperator("(")) node = new CallExpr(node, ParseCallArguments(), Current.Line, Current.Column);
            else return node;
        }
    }

    // "| f(args) | g": each filter wraps the previous; with startInline the first name comes without a pipe.
    private List<FilterExpr> ParseFilterChain(Expr? value, bool startInline)
    {
        var chain = new List<FilterExpr>();
        while (startInline || Current.IsOperator("|"))
        {
            if (!startInline) Next();
            startInline = false;
            var name = Expect(TokenKind.Name);
            var fullName = name.Value;
            while (SkipOperator(".")) fullName += "." + Expect(TokenKind.Name).Value;
            var args = Current.IsOperator("(") ? ParseCallArguments() : Arguments.None;
            var filter = new FilterExpr(chain.Count > 0 ? chain[^1] : value, fullName, args, name.Line, name.Column);
            chain.Add(filter);
        }
        return chain;
    }

    private TestExpr ParseTest(Expr value)
    {
        var at = Next();
        var negated = SkipName("not");
        var name = Expect(TokenKind.Name).Value;
        while (SkipOperator(".")) name += "." + Expect(TokenKind.Name).Value;
        Arguments args = Arguments.None;
        if (Current.IsOperator("(")) args = ParseCallArguments();
        else if ((Current.Kind is TokenKind.Name or TokenKind.String or TokenKind.Integer or TokenKind.Float
                     || Current.IsOperator("(") || Current.IsOperator("[") || Current.IsOperator("{"))
                 && !Current.IsName("else") && !Current.IsName("or") && !Current.IsName("and"))
        {
            if (Current.IsName("is")) throw Error(Current, "You cannot chain multiple tests with is");
            args = new Arguments([ParsePostfix(ParsePrimary())], [], null, null);
        }
        return new TestExpr(value, name, args, negated, at.Line, at.Column);
    }
}
