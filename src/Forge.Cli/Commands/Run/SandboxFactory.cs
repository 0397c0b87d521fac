using Forge.Core;
using Forge.Host.Registry;
using Forge.Host.Scenarios;
using Forge.Sandbox;

namespace Forge.Cli.Commands.Run;

/// <summary>
/// The sandbox provider for a run: the one the scenario's <c>"sandbox"</c> section names; without a section, the embedded
/// default (<c>local</c>) when one of its environments is marked <c>[RequiresSandbox]</c>; none otherwise.
/// A backend that can't run here stops the run before it starts, with the reason.
/// </summary>
internal static class SandboxFactory
{
    public static ISandboxProvider? Create(Scenario scenario, EnvironmentRegistry registry)
    {
        var options = scenario.Sandbox is { } section ? SandboxOptions.Parse(section, $"{scenario.Path}: $.sandbox")
            : scenario.Environments.Any(e => registry.Get(e.Id).RequiresSandbox) ? SandboxOptions.Default
            : null;
        if (options is null) return null;
        try
        {
            return SandboxProviders.Create(options);
        }
        catch (SandboxException e)
        {
            throw new ArgumentException($"{scenario.Path}: $.sandbox: the {options.Backend} sandbox can't run here: {e.Message}", e);
        }
    }
}
