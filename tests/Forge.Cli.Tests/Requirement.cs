namespace Forge.Cli.Tests;

/// <summary>
/// What a test needs from the machine. Without it the test skips, saying why; with CI=true, where everything it needs is
/// installed (scripts/test), it fails instead.
/// </summary>
internal static class Requirement
{
    /// <summary>Skips the test (fails it with CI=true) with <paramref name="reason"/> unless <paramref name="met"/>.</summary>
    public static void Meet(bool met, string reason)
    {
        if (met) return;
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            Assert.Fail($"CI=true, so this test may not skip: {reason}");
        Skip.If(true, reason);
    }

    /// <summary>python3 on PATH.</summary>
    public static void Python3() =>
        Meet((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "python3"))), "python3 is not on PATH.");

    /// <summary>A local sandbox that isolates (bubblewrap; scripts/install-sandbox-deps).</summary>
    public static void IsolatedLocalSandbox()
    {
        var local = Forge.Sandbox.SandboxProviders.Diagnose()[0];
        Meet(local.Isolated, local.Summary);
    }
}
