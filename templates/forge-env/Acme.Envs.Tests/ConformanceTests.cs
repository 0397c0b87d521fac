using Forge.Host.Checking;
using Forge.Host.Registry;

namespace Acme.Envs.Tests;

/// <summary>The environment keeps Forge's contract: the checks `forge envs check` runs, with its solver reaching full marks.</summary>
public sealed class ConformanceTests
{
    [Fact]
    public async Task ReverseEnvironment_PassesEveryCheck()
    {
        var report = await EnvironmentChecker.CheckAsync(EnvironmentRegistry.Describe<ReverseEnvironment>());

        Assert.True(report.Passed, string.Join(Environment.NewLine, report.Failures.Select(f => $"{f.Name}: {f.Message}")));
    }
}
