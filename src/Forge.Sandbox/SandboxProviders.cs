using Forge.Core;
using Forge.Sandbox.Docker;
using Forge.Sandbox.Local;
using Microsoft.Extensions.Logging;

namespace Forge.Sandbox;

/// <summary>Builds the sandbox provider a scenario's <c>"sandbox"</c> section names, and says what each backend can do here.</summary>
public static class SandboxProviders
{
    /// <summary>
    /// The provider for <paramref name="options"/>' backend. Throws <see cref="SandboxException"/> when the backend cannot
    /// run here (no isolation and no opt-out, no Docker engine), saying what to do about it.
    /// </summary>
    public static ISandboxProvider Create(SandboxOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Backend switch
        {
            "local" => LocalSandboxProvider.Create(options, logger),
            "docker" => new DockerSandboxProvider(options, logger: logger),
            _ => throw new ArgumentException($"Unknown sandbox backend '{options.Backend}'; use {string.Join(" or ", SandboxOptions.Backends.Select(b => $"'{b}'"))}."),
        };
    }

    /// <summary>What each backend can give on this machine and, where it can't, why (for <c>forge sandbox doctor</c>).</summary>
    public static IReadOnlyList<SandboxIsolation> Diagnose(SandboxOptions? options = null)
    {
        options ??= SandboxOptions.Default;
        return
        [
            IsolationProbe.Capabilities.Describe(options),
            DockerSandboxProvider.Diagnose(options),
        ];
    }
}
