using System.ComponentModel;
using Forge.Host.Registry;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Envs;

/// <summary>Settings of the commands that read the environment registry.</summary>
internal class RegistrySettings : CommandSettings
{
    [CommandOption("--registry <PATH>")]
    [Description("The environments.json to read. Default: ./environments.json, else the one installed next to forge.")]
    public string? Registry { get; set; }

    /// <summary>Loads the registry these settings name (throws <see cref="RegistryException"/> listing every problem).</summary>
    public EnvironmentRegistry LoadRegistry() => EnvironmentRegistry.Load(Registry ?? EnvironmentRegistry.DefaultPath);
}
