using Forge.Host.Checking;

namespace Forge.Environments.Tests.Conformance;

/// <summary>The conformance suite on a test-only environment that keeps the contract: every fact passes.</summary>
public sealed class TinyEnvironmentConformanceTests : EnvironmentConformanceTests
{
    internal static string TestRegistry => Path.Combine(AppContext.BaseDirectory, "Conformance", "TestData", "environments.json");

    protected override string EnvironmentId => "test/tiny";

    protected override string RegistryPath => TestRegistry;

    internal static string RepositoryRegistry() => RepositoryRegistryPath();
}

/// <summary>The conformance suite catches a broken environment, and says which check failed and why.</summary>
public sealed class EnvironmentConformanceTestsTests
{
    private sealed class DriftingConformance : EnvironmentConformanceTests
    {
        protected override string EnvironmentId => "test/drifting";

        protected override string RegistryPath => TinyEnvironmentConformanceTests.TestRegistry;

        protected override CheckOptions CreateOptions() => new() { Seeds = [0], Episodes = 1 };
    }

    [Fact]
    public async Task Check_NondeterministicEnvironment_FailsDeterminismOnly()
    {
        var suite = new DriftingConformance();

        var failure = await Assert.ThrowsAnyAsync<Exception>(suite.Check_Determinism_Passes);
        await suite.Check_Reset_Passes();
        await suite.Check_Solver_Passes();

        Assert.Contains("test/drifting: check 'determinism' failed: seed 0, task 'small'", failure.Message);
        Assert.Contains("two runs on fresh instances differ", failure.Message);
    }

    [Fact]
    public void RepositoryRegistryPath_FromTheTestFolder_FindsTheRepositoryRoot()
    {
        var path = TinyEnvironmentConformanceTests.RepositoryRegistry();

        Assert.True(File.Exists(path));
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(path)!, "Forge.sln")));
    }
}
