using System.ComponentModel;
using Forge.Host.Registry.Scaffolding;
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

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        Run(settings, Directory.GetCurrentDirectory(), Console.Out, Console.Error);

    internal static int Run(Settings settings, string repositoryRoot, TextWriter stdout, TextWriter stderr)
    {
        ScaffoldResult result;
        try
        {
            result = EnvironmentScaffold.Create(repositoryRoot, settings.Name, settings.Force);
        }
        catch (InvalidOperationException e)
        {
            stderr.WriteLine($"forge: {e.Message}");
            return CliErrors.BadInput;
        }
        stdout.WriteLine($"Created {result.Id}:");
        foreach (var file in result.Files) stdout.WriteLine($"  {file}");
        stdout.WriteLine($"  {Path.GetFileName(result.RegistryPath)} (registry entry)");
        stdout.WriteLine($"Next: edit them, then ./forge envs check {result.Id} (the launcher rebuilds first).");
        return 0;
    }
}
