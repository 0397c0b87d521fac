using Forge.Agents.SemanticKernel;
using Forge.Core;
using Forge.Host;
using Forge.Host.Registry;
using Forge.Host.Scenarios;
using Forge.Serving.Tests.Models;

namespace Forge.Serving.Tests.Clients;

/// <summary>Forge's own <c>semantic-kernel</c> agent type runs a scenario's episodes against forge serve.</summary>
public sealed class SemanticKernelAgentScenarioTests
{
    private sealed class Sink : ITrajectorySink
    {
        public List<Trajectory> Trajectories { get; } = [];

        public ValueTask OnTrajectoryAsync(Trajectory trajectory, CancellationToken cancellationToken)
        {
            lock (Trajectories) Trajectories.Add(trajectory);
            return ValueTask.CompletedTask;
        }

        public ValueTask CompleteAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    [Fact]
    public async Task SemanticKernelAgent_SupportDeskScenario_EpisodesRunAgainstTheServer()
    {
        await using var server = await ServedModel.ScriptedAsync();
        var scenarioPath = Path.Combine(Path.GetTempPath(), $"forge-sk-serve-{Guid.NewGuid():N}.json");
        File.WriteAllText(scenarioPath, $$"""
            {
              "name": "sk-against-forge-serve", "seed": 1,
              "environments": [ { "id": "support/desk", "tasks": 2 } ],
              "agent": { "type": "semantic-kernel", "endpoint": "{{server.V1}}", "model": "{{server.Model}}", "api_key_env": "PATH", "temperature": 1.0 },
              "limits": { "max_turns": 2 }, "concurrency": 2, "output": "unused"
            }
            """);
        try
        {
            var registry = EnvironmentRegistry.Load(Path.Combine(TestModels.RepositoryRoot, "environments.json"));
            var scenario = Scenario.Load(scenarioPath);
            var agent = SemanticKernelAgent.FromScenario(scenario.Agent.Raw, scenario.Path);
            var engine = new RolloutEngine(new RolloutOptions { Concurrency = 2 }, id => registry.Get(id).Create(), agent);
            var sink = new Sink();

            var summary = await engine.RunAsync(scenario.ExpandRequests(registry), [sink], CancellationToken.None);

            Assert.Equal(2, sink.Trajectories.Count);
            Assert.All(sink.Trajectories, t => Assert.Null(t.Error));
            Assert.All(sink.Trajectories, t => Assert.Equal("Hi!", t.Steps[0].Action.Content));
            Assert.True(server.Host.Counts.Tokens >= 2 * 4);
            Assert.Empty(summary.SinkErrors);
        }
        finally
        {
            File.Delete(scenarioPath);
        }
    }
}
