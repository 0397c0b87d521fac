using Forge.Host.Registry;
using Forge.Host.Scenarios;

namespace Forge.Cli.Tests.Commands.Run;

/// <summary>Every scenario that ships is valid and expands against the shipped registry.</summary>
public sealed class ScenarioFilesTests
{
    public static TheoryData<string> Files() =>
        [.. Directory.GetFiles(Path.Combine(ForgeProcess.RepositoryRoot, "scenarios"), "*.json").Select(f => Path.GetFileName(f)).Order()];

    [Theory]
    [MemberData(nameof(Files))]
    public void Load_ShippedScenario_ValidAndExpands(string file)
    {
        var registry = EnvironmentRegistry.Load(Path.Combine(ForgeProcess.RepositoryRoot, "environments.json"));

        var scenario = Scenario.Load(Path.Combine(ForgeProcess.RepositoryRoot, "scenarios", file));
        var requests = scenario.ExpandRequests(registry);

        Assert.NotEmpty(requests);
        Assert.Equal(requests.Count, requests.Select(r => r.EpisodeId).Distinct().Count());
    }
}
