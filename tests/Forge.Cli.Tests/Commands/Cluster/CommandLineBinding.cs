using System.ComponentModel;
using System.Reflection;
using Spectre.Console.Cli;

namespace Forge.Cli.Tests.Commands.Cluster;

/// <summary>
/// Binds a command line written in a deployment file (a container's args) to a command's settings the way the forge
/// command binds it (options by long name, flags, positional arguments by position), then runs the settings' own
/// validation; an option the command doesn't have, or a value of the wrong type, fails with what was wrong.
/// </summary>
internal static class CommandLineBinding
{
    public static TSettings Bind<TSettings>(IReadOnlyList<string> args, string where) where TSettings : CommandSettings, new()
    {
        var settings = new TSettings();
        var properties = typeof(TSettings).GetProperties();
        var options = properties.SelectMany(p => (p.GetCustomAttribute<CommandOptionAttribute>()?.LongNames ?? []).Select(n => (Name: $"--{n}", Property: p)))
            .ToDictionary(o => o.Name, o => o.Property, StringComparer.Ordinal);
        var positional = properties.Where(p => p.GetCustomAttribute<CommandArgumentAttribute>() is not null)
            .OrderBy(p => p.GetCustomAttribute<CommandArgumentAttribute>()!.Position).ToList();
        var position = 0;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (!options.TryGetValue(arg, out var option)) throw new Xunit.Sdk.XunitException($"{where}: the command has no option {arg}");
                if (option.PropertyType == typeof(bool)) { option.SetValue(settings, true); continue; }
                if (i + 1 >= args.Count) throw new Xunit.Sdk.XunitException($"{where}: {arg} needs a value");
                option.SetValue(settings, Convert(args[++i], option.PropertyType, $"{where}: {arg}"));
            }
            else
            {
                if (position >= positional.Count) throw new Xunit.Sdk.XunitException($"{where}: unexpected argument `{arg}`");
                var property = positional[position++];
                property.SetValue(settings, Convert(arg, property.PropertyType, $"{where}: argument {position}"));
            }
        }
        var required = positional.Count(p => p.GetCustomAttribute<CommandArgumentAttribute>()!.IsRequired);
        if (position < required) throw new Xunit.Sdk.XunitException($"{where}: {required - position} required argument(s) missing");
        var validation = settings.Validate();
        if (!validation.Successful) throw new Xunit.Sdk.XunitException($"{where}: {validation.Message}");
        return settings;
    }

    private static object? Convert(string value, Type type, string what)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        try
        {
            return TypeDescriptor.GetConverter(target).ConvertFromInvariantString(value);
        }
        catch (Exception e) when (e is FormatException or NotSupportedException or ArgumentException)
        {
            throw new Xunit.Sdk.XunitException($"{what}: `{value}` is not a {target.Name}");
        }
    }
}
