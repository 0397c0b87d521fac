namespace Forge.Agents.ChatTemplates.Jinja;

internal sealed partial class JinjaInterpreter
{
    private object? Evaluate(Expr expr, Scope scope)
    {
        switch (expr)
        {
            case LiteralExpr l: return l.Value;
            case NameExpr n: return scope.TryGet(n.Name, out var value) ? value : Undefined.Variable(n.Name);
            case ListExpr l:
                var items = l.Items.Select(i => Evaluate(i, scope)).ToList();
                return l.IsTuple ? items.ToArray() : items;
            case DictExpr d:
                var dict = new PyDict();
                foreach (var (k, v) in d.Pairs)
                {
                    var key = Evaluate(k, scope);
                    if (key is null or List<object?> or PyDict or Undefined) throw new JinjaRenderException($"unhashable type: '{PyOps.TypeName(key)}'");
                    dict[key] = Evaluate(v, scope);
                }
                return dict;
            case AttributeExpr a: return PyAccess.Attribute(Evaluate(a.Target, scope), a.Name);
            case ItemExpr { Key: SliceExpr s } i:
                return PyAccess.Slice(Evaluate(i.Target, scope), Optional(s.Start, scope), Optional(s.Stop, scope), Optional(s.Step, scope));
            case ItemExpr i: return PyAccess.Item(Evaluate(i.Target, scope), Evaluate(i.Key, scope));
            case CallExpr c: return Call(Evaluate(c.Callee, scope), EvaluateArguments(c.Args, scope));
            case FilterExpr f: return ApplyFilter(f, null, scope);
            case TestExpr t: return Test(t.Name, Evaluate(t.Value, scope), EvaluateArguments(t.Args, scope)) != t.Negated;
            case UnaryExpr { Operator: "not" } u: return !PyOps.Truthy(Evaluate(u.Operand, scope));
            case UnaryExpr u: return PyArith.Negate(Evaluate(u.Operand, scope), u.Operator == "-");
            case BinaryExpr { Operator: "and" } b:
                var left = Evaluate(b.Left, scope);
                return PyOps.Truthy(left) ? Evaluate(b.Right, scope) : left;
            case BinaryExpr { Operator: "or" } b:
                var first = Evaluate(b.Left, scope);
                return PyOps.Truthy(first) ? first : Evaluate(b.Right, scope);
            case BinaryExpr { Operator: "~" } b: return PyOps.Str(Evaluate(b.Left, scope)) + PyOps.Str(Evaluate(b.Right, scope));
            case BinaryExpr b: return PyArith.Binary(b.Operator, Evaluate(b.Left, scope), Evaluate(b.Right, scope));
            case CompareExpr c: return Compare(c, scope);
            case ConditionalExpr c:
                return PyOps.Truthy(Evaluate(c.Condition, scope)) ? Evaluate(c.Then, scope) : c.Else is null ? Undefined.Plain : Evaluate(c.Else, scope);
            case SliceExpr: throw new JinjaRenderException("a slice is only valid inside brackets");
            default: throw new InvalidOperationException($"unknown expression {expr.GetType().Name}");
        }
    }

    private object? Optional(Expr? expr, Scope scope) => expr is null ? null : Evaluate(expr, scope);

    private bool Compare(CompareExpr c, Scope scope)
    {
        var left = Evaluate(c.First, scope);
        foreach (var (op, operand) in c.Rest)
        {
            var right = Evaluate(operand, scope);
            var holds = op switch
            {
                "==" => PyOps.Equal(left, right),
                "!=" => !PyOps.Equal(left, right),
                "in" => PyOps.Contains(Strict(right), left),
                "not in" => !PyOps.Contains(Strict(right), left),
                _ => Ordered(op, left, right),
            };
            if (!holds) return false;
            left = right;
        }
        return true;
    }

    private static object? Strict(object? value) => value is Undefined u ? throw u.Fail() : value;

    private static bool Ordered(string op, object? left, object? right)
    {
        if (left is Undefined u) throw u.Fail();
        if (right is Undefined v) throw v.Fail();
        var c = PyOps.Compare(left, right, op);
        return op switch { "<" => c < 0, "<=" => c <= 0, ">" => c > 0, _ => c >= 0 };
    }

    private CallArguments EvaluateArguments(Arguments args, Scope scope)
    {
        var positional = args.Positional.Select(p => Evaluate(p, scope)).ToList();
        if (args.Star is not null) positional.AddRange(PyOps.Iterate(Evaluate(args.Star, scope)));
        var named = new PyDict();
        foreach (var (name, value) in args.Named) named[name] = Evaluate(value, scope);
        if (args.DoubleStar is not null)
        {
            if (Evaluate(args.DoubleStar, scope) is not PyDict extra) throw new JinjaRenderException("argument after ** must be a mapping");
            foreach (var (k, v) in extra) named[k] = v;
        }
        return new CallArguments(positional, named);
    }

    private static object? Call(object? callee, CallArguments args) => callee switch
    {
        PyFunction f => f.Invoke(args),
        Undefined u => throw u.Fail(),
        _ => throw new JinjaRenderException($"'{PyOps.TypeName(callee)}' object is not callable"),
    };

    // A filter's input is its Value expression, or for the innermost filter of a block, the block's text.
    private object? ApplyFilter(FilterExpr f, object? blockText, Scope scope)
    {
        var value = f.Value switch
        {
            null => blockText,
            FilterExpr inner => ApplyFilter(inner, blockText, scope),
            var e => Evaluate(e, scope),
        };
        return Filter(f.Name, value, EvaluateArguments(f.Args, scope));
    }

    /// <summary>Applies a filter by name (used by <c>map</c>).</summary>
    public object? Filter(string name, object? value, CallArguments args) => JinjaFilters.Apply(name, value, args, this);

    /// <summary>Applies a test by name (used by <c>select</c>, <c>selectattr</c>).</summary>
    public bool Test(string name, object? value, CallArguments args) => JinjaTests.Apply(name, value, args);
}
