using Forge.Host.Registry;
using Forge.Host.Scenarios;
using Forge.Training.Rl;

namespace Forge.Cli.Tests.Commands.Run;

/// <summary>Every scenario that ships is valid, expands against the shipped registry, and its trainer section (if any) parses.</summary>
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
        if (scenario.Agent.Type == "agent-program") Forge.Cli.Commands.Run.AgentProgramSection.Read(scenario, registry);   // throws, naming the path, on a bad field
        if (scenario.Trainer is not null) Assert.Empty(TrainerOptions.FromJson(scenario.Trainer, file).Validate());   // FromJson throws, naming the path, on a bad field
    }
}
