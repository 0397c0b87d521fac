namespace Forge.Agents.ChatTemplates.Jinja;

/// <summary>A node of a template body.</summary>
internal abstract record Node(int Line, int Column);

/// <summary>Literal template text.</summary>
internal sealed record TextNode(string Text, int Line, int Column) : Node(Line, Column);

/// <summary><c>{{ expr }}</c></summary>
internal sealed record OutputNode(Expr Value, int Line, int Column) : Node(Line, Column);

/// <summary><c>{% if %}…{% elif %}…{% else %}…{% endif %}</c></summary>
internal sealed record IfNode(IReadOnlyList<(Expr Condition, IReadOnlyList<Node> Body)> Branches, IReadOnlyList<Node>? Else, int Line, int Column) : Node(Line, Column);

/// <summary>A name or a tuple of names that receives a value (<c>for a, b in …</c>); <see cref="Attribute"/> set for <c>set ns.attr = …</c>.</summary>
internal sealed record Target(IReadOnlyList<string> Names, bool IsTuple, string? Attribute = null);

/// <summary><c>{% for target in iter [if filter] %}…{% else %}…{% endfor %}</c></summary>
internal sealed record ForNode(Target Target, Expr Iterable, Expr? Filter, IReadOnlyList<Node> Body, IReadOnlyList<Node>? Else, bool Recursive, int Line, int Column) : Node(Line, Column);

/// <summary><c>{% set target = expr %}</c></summary>
internal sealed record SetNode(Target Target, Expr Value, int Line, int Column) : Node(Line, Column);

/// <summary><c>{% set name | filters %}…{% endset %}</c>: the rendered body, filtered.</summary>
internal sealed record BlockSetNode(Target Target, IReadOnlyList<FilterExpr> Filters, IReadOnlyList<Node> Body, int Line, int Column) : Node(Line, Column);

/// <summary>A macro parameter with its optional default.</summary>
internal sealed record Parameter(string Name, Expr? Default);

/// <summary><c>{% macro name(params) %}…{% endmacro %}</c></summary>
internal sealed record MacroNode(string Name, IReadOnlyList<Parameter> Parameters, IReadOnlyList<Node> Body, int Line, int Column) : Node(Line, Column);

/// <summary><c>{% call(params) macro(args) %}…{% endcall %}</c>: the body becomes the macro's <c>caller()</c>.</summary>
internal sealed record CallBlockNode(CallExpr Call, IReadOnlyList<Parameter> CallerParameters, IReadOnlyList<Node> Body, int Line, int Column) : Node(Line, Column);

/// <summary><c>{% filter name %}…{% endfilter %}</c></summary>
internal sealed record FilterBlockNode(IReadOnlyList<FilterExpr> Filters, IReadOnlyList<Node> Body, int Line, int Column) : Node(Line, Column);

/// <summary><c>{% with a = 1 %}…{% endwith %}</c></summary>
internal sealed record WithNode(IReadOnlyList<(Target Target, Expr Value)> Assignments, IReadOnlyList<Node> Body, int Line, int Column) : Node(Line, Column);

/// <summary>transformers' <c>{% generation %}…{% endgeneration %}</c>: renders its body (it only marks assistant text).</summary>
internal sealed record GenerationNode(IReadOnlyList<Node> Body, int Line, int Column) : Node(Line, Column);

/// <summary><c>{% break %}</c> or <c>{% continue %}</c>.</summary>
internal sealed record LoopControlNode(bool IsBreak, int Line, int Column) : Node(Line, Column);
