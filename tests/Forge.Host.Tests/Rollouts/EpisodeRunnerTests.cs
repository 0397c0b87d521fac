using System.Security.Cryptography;
using Forge.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace Forge.Host.Tests.Rollouts;

/// <summary>The one episode driver with its action sources: provenance, recorded actions and how they end, chained sources.</summary>
public sealed class EpisodeRunnerTests
{
    private static readonly EpisodeRunner Runner = new(null, TimeProvider.System, NullLogger.Instance, "run");

    private static EpisodeRequest Request(int seed = 11) => new("e1", "test/fake", new FakeTask("t1"), seed, "g1")
    {
        Limits = EpisodeLimits.Default with { MaxTurns = 5, ToolTimeout = TimeSpan.FromSeconds(3) },
        RewardMode = RewardMode.Binary,
        TaskProvenance = new TaskProvenance { Source = TaskProvenance.FileSource, File = "tasks.jsonl", ContentHash = "abc" },
    };

    [Fact]
    public async Task RunEpisodeAsync_AgentEpisode_RecordsItsProvenance()
    {
        var agent = FakeAgent.Ok();
        var outcome = await Runner.RunEpisodeAsync(Request(), () => new FakeEnvironment(), ownsEnvironment: true,
            new AgentActions(agent, new AgentPipeline(agent, new RolloutOptions(), TimeProvider.System)), CancellationToken.None);

        var p = outcome.Trajectory.Provenance!;
        Assert.Matches(@"^\d+\.\d+\.\d+", p.ForgeVersion);
        Assert.Matches("^([0-9a-f]{40})?$", p.ForgeCommit);
        Assert.Equal(("7", "Forge.Host.Tests"), (p.EnvironmentVersion, p.EnvironmentAssembly));
        await using (var file = File.OpenRead(typeof(FakeEnvironment).Assembly.Location))
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(file)), p.EnvironmentAssemblyHash);
        Assert.Equal(Request().TaskProvenance, p.Task);
        Assert.Equal(Request().Limits, p.Limits);
        Assert.Equal(RewardMode.Binary, outcome.Trajectory.RewardMode);
        Assert.Equal(new AgentProvenance { Type = "fake" }, p.Agent);
        Assert.Null(p.Sandbox);
        Assert.Equal(3, outcome.Results.Count);
        Assert.Null(outcome.HostTruncation);
    }

    [Fact]
    public async Task RunEpisodeAsync_RecordedActionsRunOutWithAReason_TheHostTruncatesWithIt()
    {
        var environment = new FakeEnvironment(steps: 10);
        var actions = new RecordedActions([Message.Assistant("a"), Message.Assistant("b")], "rerun", new SourceEnd("turn_timeout"));

        var outcome = await Runner.RunEpisodeAsync(Request(), () => environment, ownsEnvironment: false, actions, CancellationToken.None);

        Assert.Equal((Termination.Truncated, "turn_timeout", "turn_timeout"), (outcome.Trajectory.Termination, outcome.Trajectory.TruncationReason, outcome.HostTruncation));
        Assert.Equal(["turn_timeout"], environment.Truncations);
        Assert.Equal(0.25 + 0.25 + 0.5, outcome.Trajectory.TotalReward, 9);
        Assert.False(environment.Disposed);   // borrowed: the caller keeps it
        Assert.Equal(0.5, outcome.TruncationResult!.Reward);
    }

    [Fact]
    public async Task RunEpisodeAsync_RecordedActionsRunOutWithoutAReason_StopsUnscored()
    {
        var environment = new FakeEnvironment(steps: 10);

        var outcome = await Runner.RunEpisodeAsync(Request(), () => environment, ownsEnvironment: true, new RecordedActions([Message.Assistant("a")], "rerun"), CancellationToken.None);

        Assert.Equal(Termination.Cancelled, outcome.Trajectory.Termination);
        Assert.Empty(environment.Truncations);
        Assert.Single(outcome.Trajectory.Steps);
        Assert.True(environment.Disposed);
        Assert.Equal("rerun", outcome.Trajectory.AgentId);
    }

    [Fact]
    public async Task RunEpisodeAsync_ChainedSource_ReplaysThenHandsOverWithTheAgentSeed()
    {
        var seeds = new List<int>();
        var agent = new FakeAgent((turn, _) => { seeds.Add(turn.AgentSeed); return ValueTask.FromResult(Message.Assistant("agent")); }, "next");
        var actions = new ChainedActions(new RecordedActions([Message.Assistant("recorded")], "x"), new AgentActions(agent, new AgentPipeline(agent, new RolloutOptions(), TimeProvider.System)));

        var outcome = await Runner.RunEpisodeAsync(Request() with { AgentSeed = 99, ParentEpisodeId = "parent", ForkStep = 1 }, () => new FakeEnvironment(), true, actions, CancellationToken.None);

        var t = outcome.Trajectory;
        Assert.Equal(["recorded", "agent", "agent"], t.Steps.Select(s => s.Action.Content));
        Assert.Equal([99, 99], seeds);
        Assert.Equal(("next", "parent", 1, 11), (t.AgentId, t.ParentEpisodeId, t.ForkStep, t.Seed));
    }

    [Fact]
    public async Task RunEpisodeAsync_EnvironmentThrowsOnAStep_RecordsTheStepInTheError()
    {
        var outcome = await Runner.RunEpisodeAsync(Request(), () => new FakeEnvironment(Fault.ThrowOnStep), true,
            new RecordedActions([Message.Assistant("a"), Message.Assistant("b"), Message.Assistant("c")], "x"), CancellationToken.None);

        Assert.Equal(new EpisodeError(ErrorBoundary.Environment, "InvalidOperationException", "step failed") { Step = 1 }, outcome.Trajectory.Error);
    }
}
