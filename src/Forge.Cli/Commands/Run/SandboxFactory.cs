using Forge.Core;
using Forge.Host.Scenarios;

namespace Forge.Cli.Commands.Run;

/// <summary>The sandbox provider a scenario's <c>"sandbox"</c> section asks for; none without one (environments that need a sandbox then error).</summary>
internal static class SandboxFactory
{
    public static ISandboxProvider? Create(Scenario scenario) =>
        scenario.Sandbox is null ? null
        : throw new ArgumentException($"{scenario.Path}: $.sandbox: this build of forge has no sandbox backends yet; remove the section.");
}
