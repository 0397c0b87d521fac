using Forge.Agents.SemanticKernel;
using Forge.Cli.Commands.Run;
using Forge.Host.Registry;
using Forge.Host.Scenarios;

namespace Forge.Cli.Tests.Commands.Run;

public sealed class AgentFactorySemanticKernelTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("forge-sk-scenario-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Scenario Write(string agent)
    {
        var path = Path.Combine(_dir, "sk.json");
        File.WriteAllText(path, $$"""
            { "name": "sk", "seed": 1, "environments": [ { "id": "game/vault", "tasks": 1 } ], "agent": {{agent}} }
            """);
        return Scenario.Load(path);
    }

    [Fact]
    public void Create_SemanticKernelSection_BuildsTheAgentForThatModel()
    {
        var scenario = Write("""{ "type": "semantic-kernel", "endpoint": "http://127.0.0.1:8000/v1", "model": "qwen2.5-0.5b", "temperature": 0 }""");

        var agent = AgentFactory.Create(scenario, EnvironmentRegistry.Load(EnvironmentRegistry.DefaultPath));

        Assert.IsType<SemanticKernelAgent>(agent);
        Assert.Equal("sk/qwen2.5-0.5b", agent.Id);
        ((IDisposable)agent).Dispose();
    }

    [Fact]
    public void Create_SemanticKernelSectionWithoutModel_NamesTheFileAndPath()
    {
        var scenario = Write("""{ "type": "semantic-kernel", "endpoint": "http://127.0.0.1:8000/v1" }""");

        var e = Assert.Throws<FormatException>(() => AgentFactory.Create(scenario, EnvironmentRegistry.Load(EnvironmentRegistry.DefaultPath)));

        Assert.StartsWith($"{scenario.Path}: $.agent.model: required", e.Message);
    }
}
