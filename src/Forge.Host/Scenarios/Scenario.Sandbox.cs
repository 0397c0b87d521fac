using Forge.Core;
using Forge.Host.Registry;
using Forge.Sandbox;
using Microsoft.Extensions.Logging;

namespace Forge.Host.Scenarios;

public sealed partial record Scenario
{
    /// <summary>
    /// The sandbox options the scenario runs under: its <c>"sandbox"</c> section; without one, the embedded default
    /// (<c>local</c>) when one of its environments is marked <c>[RequiresSandbox]</c>; null when none needs a sandbox.
    /// Throws <see cref="FormatException"/> naming the file and field of a bad section.
    /// </summary>
    public SandboxOptions? SandboxOptionsFor(EnvironmentRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return Sandbox is { } section ? SandboxOptions.Parse(section, Path)
            : Environments.Any(e => registry.Get(e.Id).RequiresSandbox) ? SandboxOptions.Default
            : null;
    }

    /// <summary>
    /// The sandbox provider every episode of the scenario shares (<c>forge run</c>, <c>train</c>, <c>eval</c>), as
    /// <see cref="SandboxOptionsFor"/> says; null when no environment needs one. The caller disposes it,
    /// which removes every sandbox it made (processes, containers, folders). A backend that can't run here throws
    /// <see cref="ArgumentException"/> before anything starts, with the reason.
    /// </summary>
    public ISandboxProvider? CreateSandboxes(EnvironmentRegistry registry, ILogger? logger = null)
    {
        if (SandboxOptionsFor(registry) is not { } options) return null;
        try
        {
            return SandboxProviders.Create(options, logger);
        }
        catch (SandboxException e)
        {
            throw new ArgumentException($"{Path}: $.sandbox: the {options.Backend} sandbox can't run here: {e.Message}", e);
        }
    }
}
