using System.Reflection;
using System.Text.RegularExpressions;
using Forge.Core.Configuration;
using Spectre.Console.Cli;

namespace Forge.Cli;

/// <summary>
/// "Did you mean …?" for a mistyped option. The command is found from the words before the first option by the house
/// convention that <c>forge envs check</c> is <c>EnvsCheckCommand</c>; its options are read from its settings' attributes.
/// </summary>
internal static partial class UnknownOptions
{
    /// <summary>The parse error with a suggestion appended when the message names an unknown option; otherwise the message as is.</summary>
    public static string Explain(string message, IReadOnlyList<string> args)
    {
        var match = UnknownOption().Match(message);
        if (!match.Success) return message;
        var wanted = match.Groups["name"].Value;
        var options = OptionsOf(args);
        var dashes = wanted.Length == 1 ? "-" : "--";
        var suggestion = NameSuggestions.Closest(wanted, options.Select(o => o.TrimStart('-')));
        return suggestion is null
            ? $"{message.TrimEnd('.')}. Options: {string.Join(", ", options.Order(StringComparer.Ordinal))}."
            : $"{message.TrimEnd('.')}. Did you mean {(suggestion.Length == 1 ? "-" : "--")}{suggestion}?";
    }

    /// <summary>Every option (<c>--name</c> and <c>-n</c>) of the command <paramref name="args"/> invoke.</summary>
    internal static IReadOnlyList<string> OptionsOf(IReadOnlyList<string> args)
    {
        var words = args.TakeWhile(a => !a.StartsWith('-')).ToList();
        var commands = typeof(UnknownOptions).Assembly.GetTypes().Where(t => t.Name.EndsWith("Command", StringComparison.Ordinal) && SettingsOf(t) is not null).ToList();
        // The longest prefix of the words that names a command: `envs check ID` is EnvsCheckCommand, `replay FILE` ReplayCommand.
        for (var n = words.Count; n > 0; n--)
        {
            var name = string.Concat(words.Take(n).Select(w => w.Length == 0 ? w : char.ToUpperInvariant(w[0]) + w[1..])) + "Command";
            if (commands.FirstOrDefault(t => t.Name == name) is { } command)
                return SettingsOf(command)!.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                    .Select(p => p.GetCustomAttribute<CommandOptionAttribute>())
                    .OfType<CommandOptionAttribute>()
                    .SelectMany(o => o.LongNames.Select(l => "--" + l).Concat(o.ShortNames.Select(s => "-" + s)))
                    .Append("--help")
                    .Distinct()
                    .ToList();
        }
        return ["--help"];
    }

    private static Type? SettingsOf(Type command)
    {
        for (var t = command; t is not null; t = t.BaseType)
            if (t.IsGenericType && t.GetGenericArguments() is [var settings] && typeof(CommandSettings).IsAssignableFrom(settings)) return settings;
        return null;
    }

    [GeneratedRegex("^Unknown option '(?<name>[^']+)'")]
    private static partial Regex UnknownOption();
}
