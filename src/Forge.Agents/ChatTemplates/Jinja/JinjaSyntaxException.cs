namespace Forge.Agents.ChatTemplates.Jinja;

/// <summary>A template that cannot be parsed; the message names the template, line and column.</summary>
public sealed class JinjaSyntaxException : Exception
{
    internal JinjaSyntaxException(string templateName, int line, int column, string reason)
        : base($"Syntax error in template {templateName} at line {line}, column {column}: {reason}")
    {
        TemplateName = templateName;
        Line = line;
        Column = column;
        Reason = reason;
    }

    /// <summary>The template's name (for a chat template: the file it came from).</summary>
    public string TemplateName { get; }

    /// <summary>1-based line of the offending token.</summary>
    public int Line { get; }

    /// <summary>1-based column of the offending token.</summary>
    public int Column { get; }

    /// <summary>What is wrong, without the position.</summary>
    public string Reason { get; }
}

/// <summary>A template that failed while rendering (an undefined value used strictly, a type error, an unsafe call).</summary>
public class JinjaRenderException : Exception
{
    internal JinjaRenderException(string message) : base(message) { }
}

/// <summary>The template called <c>raise_exception(message)</c>: <see cref="TemplateMessage"/> is its text.</summary>
public sealed class TemplateRaisedException : JinjaRenderException
{
    internal TemplateRaisedException(string templateName, string templateMessage)
        : base($"Template {templateName} raised an error: {templateMessage}") => TemplateMessage = templateMessage;

    /// <summary>The message the template passed to <c>raise_exception</c>.</summary>
    public string TemplateMessage { get; }
}
