namespace Forge.Sandbox.Tests.Conformance;

/// <summary>
/// Skips a test whose prerequisite this machine lacks (no bubblewrap, no Docker engine) — except on CI
/// (<c>CI=true</c>), where a missing prerequisite is a failure: CI must run every backend for real.
/// </summary>
public static class Requirement
{
    /// <summary>True when running on CI.</summary>
    public static bool OnCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Skips the current test with <paramref name="reason"/>, or fails it on CI.</summary>
    public static void Skip(string reason)
    {
        if (OnCi) Assert.Fail($"CI=true, so this test may not skip: {reason}");
        Xunit.Skip.If(true, reason);
    }

    /// <summary>Skips (or, on CI, fails) unless <paramref name="condition"/> holds.</summary>
    public static void That(bool condition, string reason)
    {
        if (!condition) Skip(reason);
    }
}
