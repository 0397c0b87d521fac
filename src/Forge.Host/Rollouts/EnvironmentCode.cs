using System.Collections.Concurrent;
using Forge.Core;
using Forge.Host.Fingerprints;

namespace Forge.Host;

/// <summary>What the driver records about an environment's code, read once per type: its assembly, the assembly's hash, and whether it needs a sandbox.</summary>
/// <param name="Assembly">The simple name of the environment's assembly.</param>
/// <param name="AssemblyHash">The assembly file's SHA-256 (<see cref="Fingerprint.Of(System.Reflection.Assembly)"/>).</param>
/// <param name="RequiresSandbox">True when the type is marked <see cref="RequiresSandboxAttribute"/>.</param>
internal sealed record EnvironmentCode(string Assembly, string AssemblyHash, bool RequiresSandbox)
{
    private static readonly ConcurrentDictionary<Type, EnvironmentCode> Known = new();

    /// <summary>The facts of <paramref name="type"/>.</summary>
    public static EnvironmentCode Of(Type type) => Known.GetOrAdd(type, static t => new EnvironmentCode(
        t.Assembly.GetName().Name ?? "",
        Fingerprint.Of(t.Assembly),
        // The marker attribute, not Info: an environment's Info may need its episode's state, which exists only after reset.
        t.IsDefined(typeof(RequiresSandboxAttribute), inherit: true)));
}
