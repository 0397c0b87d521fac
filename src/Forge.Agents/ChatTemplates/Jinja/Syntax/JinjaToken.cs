namespace Forge.Agents.ChatTemplates.Jinja;

/// <summary>What a lexed piece of a template is.</summary>
internal enum TokenKind
{
    /// <summary>Literal text between tags (whitespace control already applied).</summary>
    Data,
    /// <summary><c>{{</c></summary>
    VariableBegin,
    /// <summary><c>}}</c></summary>
    VariableEnd,
    /// <summary><c>{%</c></summary>
    BlockBegin,
    /// <summary><c>%}</c></summary>
    BlockEnd,
    /// <summary>An identifier or keyword.</summary>
    Name,
    /// <summary>A string literal, already unescaped.</summary>
    String,
    /// <summary>An integer literal.</summary>
    Integer,
    /// <summary>A float literal.</summary>
    Float,
    /// <summary>An operator or punctuation.</summary>
    Operator,
    /// <summary>End of the template.</summary>
    End,
}

/// <summary>One token with where it starts (1-based line and column).</summary>
internal readonly record struct JinjaToken(TokenKind Kind, string Value, int Line, int Column)
{
    public bool Is(TokenKind kind, string value) => Kind == kind && Value == value;

    public bool IsName(string value) => Is(TokenKind.Name, value);

    public bool IsOperator(string value) => Is(TokenKind.Operator, value);

    public override string ToString() => Kind switch
    {
        TokenKind.End => "end of template",
        TokenKind.Data => "template data",
        TokenKind.String => $"string '{Value}'",
        _ => $"'{Value}'",
    };
}
