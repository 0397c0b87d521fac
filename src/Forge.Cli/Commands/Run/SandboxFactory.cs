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
    /// <summary>
    /// Builds the provider and states on stderr which isolation is in effect. A backend that cannot run here (no
    /// isolation without the opt-out, no engine) is bad input: one line naming the scenario and what to do.
    /// </summary>
    public static ISandboxProvider? Create(Scenario scenario, EnvironmentRegistry registry)
    {
        SandboxOptions options;
        if (scenario.Sandbox is { } section)
            options = SandboxOptions.Parse(section, $"{scenario.Path}: $.sandbox");
        else if (scenario.Environments.Any(e => registry.Get(e.Id).RequiresSandbox))
            options = SandboxOptions.Default;
        else
            return null;
        try
        {
            var provider = SandboxProviders.Create(options);
            Console.Error.WriteLine($"forge: {provider.Isolation.Summary}");
            return provider;
        }
        catch (SandboxException e)
        {
            throw new ArgumentException($"{scenario.Path}: $.sandbox: {e.Message}", e);
        }
    }
}
