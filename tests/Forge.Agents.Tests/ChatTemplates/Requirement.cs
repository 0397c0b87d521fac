namespace Forge.Agents.Tests.ChatTemplates;

/// <summary>
/// Skips a test whose reference (Python's jinja2, the npm packages with real templates) this machine lacks — except on
/// CI (<c>CI=true</c>), where a missing reference is a failure. <c>scripts/test</c> installs both.
/// </summary>
internal static class Requirement
{
    public static bool OnCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static void That(bool condition, string reason)
    {
        if (condition) return;
        if (OnCi) Assert.Fail($"CI=true, so this test may not skip: {reason}");
        Skip.If(true, reason);
    }
}
