namespace Forge.Core;

/// <summary>The texts of tool-error messages sent back to the agent, so agents, rewards and tests agree on them.</summary>
public static class ToolErrors
{
    /// <summary>Starts every error caused by the form of a call (unknown tool, bad JSON, bad arguments) rather than by the tool's own work.</summary>
    public const string FormatPrefix = "error: ";

    /// <summary>The agent named a tool that isn't offered.</summary>
    public static string UnknownTool(string name, IEnumerable<string> offered) =>
        $"{FormatPrefix}unknown tool '{Truncate(name, 80)}'. Tools on offer: {string.Join(", ", offered)}.";

    /// <summary>The arguments were not a JSON object.</summary>
    public static string InvalidJson(string tool, string detail) => $"{FormatPrefix}arguments of '{tool}' are not a valid JSON object: {detail}";

    /// <summary>A required argument is missing.</summary>
    public static string MissingArgument(string tool, string parameter) => $"{FormatPrefix}'{tool}' needs the argument '{parameter}'.";

    /// <summary>An argument has the wrong type or value.</summary>
    public static string BadArgument(string tool, string parameter, string detail) => $"{FormatPrefix}argument '{parameter}' of '{tool}' is invalid: {detail}";

    /// <summary>The tool threw.</summary>
    public static string Failed(string tool, string detail) => $"tool '{tool}' failed: {detail}";

    /// <summary>The tool overran its deadline.</summary>
    public static string TimedOut(string tool, TimeSpan limit) => $"tool '{tool}' did not finish within {limit.TotalSeconds:0.###} s and was stopped.";

    /// <summary>The assistant message could not be parsed.</summary>
    public const string MalformedMessage = "error: your message could not be parsed. Call a tool with valid JSON arguments, or reply with plain text.";

    /// <summary>The assistant message was too long.</summary>
    public static string TooLong(int length, int limit) => $"error: your message has {length} characters; the limit is {limit}.";

    internal static string Truncate(string s, int max) => s.Length <= max ? s : s[..max] + "…";
}
