using Forge.Core;
using Forge.Host.Registry;
using Forge.Host.Scenarios;
using Forge.Sandbox;

namespace Forge.Cli.Commands.Run;

/// <summary>
/// The sandbox provider for a run: the one the scenario's <c>"sandbox"</c> section names; without a section, the embedded
/// default (<c>local</c>) when one of its environments is marked <c>[RequiresSandbox]</c>; none otherwise.
/// </summary>
internal static class SandboxFactory
{
    public static ISandboxProvider? Create(Scenario scenario, EnvironmentRegistry registry)
    {
        if (scenario.Sandbox is { } section)
            return SandboxProviders.Create(SandboxOptions.Parse(section, $"{scenario.Path}: $.sandbox"));
        return scenario.Environments.Any(e => registry.Get(e.Id).RequiresSandbox) ? SandboxProviders.Create(SandboxOptions.Default) : null;
    }
}
