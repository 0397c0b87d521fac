namespace Forge.Core.Configuration;

/// <summary>One problem in a configuration file: the file, the JSON path (<c>$.limits.max_turns</c>) and what is wrong.</summary>
/// <param name="File">The file as users should see it (or another name for where the JSON came from).</param>
/// <param name="JsonPath">Where in the document, from <c>$</c>.</param>
/// <param name="Message">What is wrong and, where it helps, what to write instead.</param>
public sealed record ConfigProblem(string File, string JsonPath, string Message)
{
    /// <summary><c>file: $.path: message</c>.</summary>
    public override string ToString() => $"{File}: {JsonPath}: {Message}";
}
