namespace Forge.Core;

/// <summary>
/// The <c>&lt;think&gt;…&lt;/think&gt;</c> block reasoning models write before their answer, read as Qwen3's template reads
/// it: the reasoning is what lies between the tags (newlines around it dropped), the answer what follows
/// <c>&lt;/think&gt;</c> (leading newlines dropped). A <c>&lt;/think&gt;</c> without <c>&lt;think&gt;</c> (the template
/// opened the block in the prompt) ends reasoning that starts at the beginning. The one reader of the block: chat-format
/// parsers use it to read a model's output, reward functions (<see cref="Rewards.TokenBudget"/>) to find the reasoning.
/// </summary>
public static class ThinkBlock
{
    /// <summary>The opening tag.</summary>
    public const string Open = "<think>";

    /// <summary>The closing tag.</summary>
    public const string Close = "</think>";

    /// <summary>Splits <paramref name="text"/> into its reasoning (null when it has no block) and its answer.</summary>
    public static (string? Reasoning, string Answer) Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var close = text.LastIndexOf(Close, StringComparison.Ordinal);
        if (close < 0) return (null, text);
        var before = text[..close].TrimEnd('\n');
        var open = before.LastIndexOf(Open, StringComparison.Ordinal);
        var reasoning = (open < 0 ? before : before[(open + Open.Length)..]).TrimStart('\n');
        return (reasoning, text[(close + Close.Length)..].TrimStart('\n'));
    }

    /// <summary>Checks the tags' order: at most one block, opened before it closes. Returns the error, or null.</summary>
    public static string? Validate(string text)
    {
        var opens = Count(text, Open);
        var closes = Count(text, Close);
        if (opens > 1 || closes > 1) return "more than one <think> block";
        if (opens == 1 && closes == 0) return "<think> is never closed";
        if (opens == 1 && text.IndexOf(Open, StringComparison.Ordinal) > text.IndexOf(Close, StringComparison.Ordinal)) return "</think> before <think>";
        if (opens == 1 && text[..text.IndexOf(Open, StringComparison.Ordinal)].Trim().Length > 0) return "text before <think>";
        return null;
    }

    private static int Count(string text, string tag)
    {
        var n = 0;
        for (var i = text.IndexOf(tag, StringComparison.Ordinal); i >= 0; i = text.IndexOf(tag, i + tag.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}
