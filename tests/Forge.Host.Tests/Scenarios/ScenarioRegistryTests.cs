using Forge.Core;
using Forge.Host.Registry;
using Forge.Host.Scenarios;
using Forge.Host.Tests.Registry;
using Forge.Host.Tests.Rollouts;

namespace Forge.Host.Tests.Scenarios;

/// <summary>A scenario expanded against a real registry file and run end to end with the registered solver.</summary>
public sealed class ScenarioRegistryTests
{
    private const string Json = """
        { "name": "echo", "seed": 3, "environments": [ { "id": "test/echo", "task_ids": ["c", "a"] } ],
          "agent": { "type": "scripted" }, "group_size": 2, "limits": { "max_turns": 4 } }
        """;

    [Fact]
    public void ExpandRequests_RegisteredEnvironment_UsesItsTasksAndLimits()
    {
        using var files = TempRegistry.With("test/echo", TempRegistry.EchoEntry);
        var registry = EnvironmentRegistry.Load(files.Path);

        var requests = Scenario.Parse(Json, "echo.json").ExpandRequests(registry);

        Assert.Equal(["c", "c", "a", "a"], requests.Select(r => r.Task.Id));
        Assert.Equal(["test/echo:c:0", "test/echo:c:0", "test/echo:a:0", "test/echo:a:0"], requests.Select(r => r.GroupId));
        Assert.All(requests, r => Assert.Equal(4, r.Limits.MaxTurns));
        Assert.All(requests, r => Assert.Equal(EpisodeLimits.Default.TurnTimeout, r.Limits.TurnTimeout));
    }

    [Fact]
    public void ExpandRequests_UnknownId_NamesFilePathAndSuggestion()
    {
        using var files = TempRegistry.With("test/echo", TempRegistry.EchoEntry);
        var scenario = Scenario.Parse(Json.Replace("test/echo", "test/eco"), "echo.json");

        var e = Assert.Throws<ScenarioException>(() => scenario.ExpandRequests(EnvironmentRegistry.Load(files.Path)));

        Assert.Equal($"{scenario.Path}: $.environments[0].id: Environment `test/eco` doesn't exist. Did you mean `test/echo`?", e.Message);
    }

    [Fact]
    public async Task RunAsync_ScenarioTwiceWithScriptedSolver_SameTrajectories()
    {
        using var files = TempRegistry.With("test/echo", TempRegistry.EchoEntry);
        var registry = EnvironmentRegistry.Load(files.Path);

        async Task<List<string>> Once()
        {
            var requests = Scenario.Parse(Json, "echo.json").ExpandRequests(registry);
            var engine = new RolloutEngine(new RolloutOptions { Concurrency = 3 }, id => registry.Get(id).Create(), registry.Get("test/echo").CreateSolver()!);
            var sink = new CollectingSink();
            await engine.RunAsync(requests, [sink], CancellationToken.None);
            return [.. sink.Trajectories.OrderBy(t => t.EpisodeId, StringComparer.Ordinal).Select(t =>
                $"{t.EpisodeId}|{t.Seed}|{t.Termination}|{t.TotalReward}|{t.EnvironmentVersion}|" + string.Join("|", t.Messages().Select(m => m.Content + string.Join(",", m.ToolCalls.Select(c => c.ArgumentsJson)))))];
        }

        var first = await Once();
        Assert.Equal(4, first.Count);
        Assert.All(first, t => Assert.Contains("|Terminated|", t));
        Assert.All(first, t => Assert.Contains("|2|", t)); // the registered version
        Assert.Equal(first, await Once());
    }
}
