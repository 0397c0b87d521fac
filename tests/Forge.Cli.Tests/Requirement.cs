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
    public static void Python3() => OnPath("python3", "the test runs it");

    /// <summary>The path of <paramref name="program"/> found on PATH; <paramref name="howToGet"/> goes in the reason.</summary>
    public static string OnPath(string program, string howToGet)
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);
        Meet(found is not null, $"{program} is not on PATH ({howToGet}).");
        return found!;
    }

    /// <summary>A local sandbox that isolates (bubblewrap; scripts/install-sandbox-deps).</summary>
    public static void IsolatedLocalSandbox()
    {
        var local = Forge.Sandbox.SandboxProviders.Diagnose()[0];
        Meet(local.Isolated, local.Summary);
    }
}
