using Forge.Core;
using Forge.Host.Scenarios;
using Forge.Sandbox;

namespace Forge.Cli.Commands.Run;

/// <summary>The sandbox provider a scenario's <c>"sandbox"</c> section asks for; none without one (environments that need a sandbox then error).</summary>
internal static class SandboxFactory
{
    /// <summary>
    /// Builds the provider and states on stderr which isolation is in effect. A backend that cannot run here (no
    /// isolation without the opt-out, no engine) is bad input: one line naming the scenario and what to do.
    /// </summary>
    public static ISandboxProvider? Create(Scenario scenario)
    {
        if (scenario.Sandbox is not { } section) return null;
        var options = SandboxOptions.Parse(section, $"{scenario.Path}: $.sandbox");
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
