namespace Forge.Agents.ChatTemplates.Jinja;

/// <summary>An expression of the template language, with where it starts.</summary>
internal abstract record Expr(int Line, int Column);

/// <summary>A constant: string, integer, float, boolean or none.</summary>
internal sealed record LiteralExpr(object? Value, int Line, int Column) : Expr(Line, Column);

/// <summary>A variable reference.</summary>
internal sealed record NameExpr(string Name, int Line, int Column) : Expr(Line, Column);

/// <summary><c>[a, b]</c>, or <c>(a, b)</c> when <see cref="IsTuple"/>.</summary>
internal sealed record ListExpr(IReadOnlyList<Expr> Items, bool IsTuple, int Line, int Column) : Expr(Line, Column);

/// <summary><c>{k: v, …}</c></summary>
internal sealed record DictExpr(IReadOnlyList<(Expr Key, Expr Value)> Pairs, int Line, int Column) : Expr(Line, Column);

/// <summary><c>obj.name</c>: attribute first, then item (Jinja2's <c>getattr</c>).</summary>
internal sealed record AttributeExpr(Expr Target, string Name, int Line, int Column) : Expr(Line, Column);

/// <summary><c>obj[key]</c>: item first, then attribute (Jinja2's <c>getitem</c>).</summary>
internal sealed record ItemExpr(Expr Target, Expr Key, int Line, int Column) : Expr(Line, Column);

/// <summary><c>start:stop:step</c> inside brackets.</summary>
internal sealed record SliceExpr(Expr? Start, Expr? Stop, Expr? Step, int Line, int Column) : Expr(Line, Column);

/// <summary>Arguments of a call, filter or test.</summary>
internal sealed record Arguments(IReadOnlyList<Expr> Positional, IReadOnlyList<(string Name, Expr Value)> Named, Expr? Star, Expr? DoubleStar)
{
    public static Arguments None { get; } = new([], [], null, null);
}

/// <summary><c>f(args)</c></summary>
internal sealed record CallExpr(Expr Callee, Arguments Args, int Line, int Column) : Expr(Line, Column);

/// <summary><c>value | name(args)</c>; <see cref="Value"/> is null inside a <c>{% filter %}</c> block or a block <c>set</c>.</summary>
internal sealed record FilterExpr(Expr? Value, string Name, Arguments Args, int Line, int Column) : Expr(Line, Column);

/// <summary><c>value is [not] name(args)</c></summary>
internal sealed record TestExpr(Expr Value, string Name, Arguments Args, bool Negated, int Line, int Column) : Expr(Line, Column);

/// <summary><c>not x</c>, <c>-x</c>, <c>+x</c></summary>
internal sealed record UnaryExpr(string Operator, Expr Operand, int Line, int Column) : Expr(Line, Column);

/// <summary>Arithmetic, <c>~</c>, <c>and</c>, <c>or</c>.</summary>
internal sealed record BinaryExpr(string Operator, Expr Left, Expr Right, int Line, int Column) : Expr(Line, Column);

/// <summary>A chain of comparisons: <c>a &lt; b &lt;= c</c>, <c>x in y</c>, <c>x not in y</c>.</summary>
internal sealed record CompareExpr(Expr First, IReadOnlyList<(string Operator, Expr Operand)> Rest, int Line, int Column) : Expr(Line, Column);

/// <summary><c>a if cond else b</c>; without <c>else</c> the result is undefined when the condition is false.</summary>
internal sealed record ConditionalExpr(Expr Condition, Expr Then, Expr? Else, int Line, int Column) : Expr(Line, Column);
