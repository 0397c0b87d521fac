using System.ComponentModel;
using Forge.Host.Registry.Scaffolding;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Envs;

/// <summary><c>forge envs new NAME [--force]</c>: scaffolds an environment, its tasks, a solver and its registry entry.</summary>
internal sealed class EnvsNewCommand : Command<EnvsNewCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<NAME>")]
        [Description("The new environment's name: 'demo' is registered as custom/demo, 'games/demo' as itself.")]
        public string Name { get; set; } = "";

        [CommandOption("--force")]
        [Description("Overwrite files and a registry entry that already exist.")]
        public bool Force { get; set; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ScaffoldResult result;
        try
        {
            result = EnvironmentScaffold.Create(Directory.GetCurrentDirectory(), settings.Name, settings.Force);
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"forge: {e.Message}");
            return CliErrors.BadInput;
        }
        AnsiConsole.MarkupLine($"Created [bold]{Markup.Escape(result.Id)}[/]:");
        foreach (var file in result.Files) AnsiConsole.MarkupLine($"  {Markup.Escape(file)}");
        AnsiConsole.MarkupLine($"  {Markup.Escape(Path.GetFileName(result.RegistryPath))} (registry entry)");
        AnsiConsole.MarkupLine($"Next: edit them, then [bold]./forge envs check {Markup.Escape(result.Id)}[/] (the launcher rebuilds first).");
        return 0;
    }
}
