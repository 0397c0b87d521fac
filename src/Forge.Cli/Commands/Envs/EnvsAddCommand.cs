using System.ComponentModel;
using Forge.Host.Registry;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Envs;

/// <summary><c>forge envs add PATH</c>: registers every environment of a project (built first) or an assembly.</summary>
internal sealed class EnvsAddCommand : Command<EnvsAddCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<PATH>")]
        [Description("A project (.csproj, or a folder holding one) or an assembly (.dll) with classes marked [[Environment]].")]
        public string Path { get; set; } = "";

        [CommandOption("--registry <PATH>")]
        [Description("The environments.json to add them to (created when missing). Default: ./environments.json.")]
        public string? Registry { get; set; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var registry = settings.Registry ?? EnvironmentRegistry.FileName;
        var ids = RegistryEditor.AddFrom(registry, settings.Path);
        foreach (var id in ids) Console.Out.WriteLine($"Added {id} to {registry}");
        Console.Out.WriteLine($"Next: forge envs check {ids[0]}");
        return 0;
    }
}
