namespace Forge.Core;

/// <summary>
/// What a sandbox backend can enforce on this machine: each protection that is in effect, and each that is not with the
/// reason. A provider that is not <see cref="Isolated"/> runs untrusted code only when the user opted out of isolation.
/// </summary>
/// <param name="Backend">The backend (<c>local</c>, <c>docker</c>).</param>
/// <param name="Isolated">True when untrusted code is confined (no network, host files invisible, limits enforced).</param>
/// <param name="InEffect">The protections in effect, one line each (<c>network: own network namespace</c>).</param>
/// <param name="Missing">The protections missing, one line each with the reason and how to fix it.</param>
public sealed record SandboxIsolation(string Backend, bool Isolated, IReadOnlyList<string> InEffect, IReadOnlyList<string> Missing)
{
    /// <summary>One line for logs: <c>local sandbox: isolated (…)</c> or <c>local sandbox: NOT isolated (…)</c>.</summary>
    public string Summary => Isolated
        ? $"{Backend} sandbox: isolated ({string.Join("; ", InEffect)})" + (Missing.Count > 0 ? $"; missing: {string.Join("; ", Missing)}" : "")
        : $"{Backend} sandbox: NOT isolated ({string.Join("; ", Missing)})";

    /// <summary>For providers that don't describe themselves.</summary>
    public static SandboxIsolation Unknown(string backend) => new(backend, false, [], ["the backend does not describe its isolation"]);
}
