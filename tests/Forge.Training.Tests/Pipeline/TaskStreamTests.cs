using Forge.Core;
using Forge.Training.Pipeline;
using Forge.Training.Rl;

namespace Forge.Training.Tests.Pipeline;

public sealed class TaskStreamTests
{
    private static Trajectory Solved(bool success) => new()
    {
        EpisodeId = "e", EnvironmentId = "game/vault", TaskId = "t",
        Breakdown = new RewardBreakdown(new Dictionary<string, double>(), success ? 1 : 0, success),
    };

    [Fact]
    public void NextGroup_SharesGroupIdWithDistinctSeeds()
    {
        var stream = new TaskStream(PipelineFixtures.Scenario("{}", groupSize: 4), PipelineFixtures.Registry, [], seed: 1);
        var group = stream.NextGroup();
        Assert.Equal(4, group.Count);
        Assert.Single(group.Select(r => r.GroupId).Distinct());
        Assert.Single(group.Select(r => r.Task.Id).Distinct());
        Assert.Equal(4, group.Select(r => r.Seed).Distinct().Count());
        Assert.NotEqual(group[0].GroupId, stream.NextGroup()[0].GroupId);
    }

    [Fact]
    public void NextGroup_SameSeed_SameStream()
    {
        var a = new TaskStream(PipelineFixtures.Scenario("{}"), PipelineFixtures.Registry, [], seed: 9);
        var b = new TaskStream(PipelineFixtures.Scenario("{}"), PipelineFixtures.Registry, [], seed: 9);
        for (var i = 0; i < 5; i++)
            Assert.Equal(a.NextGroup().Select(r => (r.Task.Id, r.Seed)), b.NextGroup().Select(r => (r.Task.Id, r.Seed)));
    }

    [Fact]
    public void Observe_StageThresholdReached_AdvancesToNextStage()
    {
        CurriculumStage[] curriculum = [new() { TaskPattern = "-L1$", AdvanceAt = 0.75, Window = 4 }, new() { TaskPattern = "" }];
        var stream = new TaskStream(PipelineFixtures.Scenario("{}"), PipelineFixtures.Registry, curriculum, seed: 1);
        Assert.All(Enumerable.Range(0, 20).SelectMany(_ => stream.NextGroup()), r => Assert.EndsWith("-L1", r.Task.Id));
        Assert.False(stream.Observe([Solved(true), Solved(false), Solved(true), Solved(false)]));   // 0.5 < 0.75
        Assert.True(stream.Observe([Solved(true), Solved(true), Solved(true)]));                    // last 4: 3 of 4
        Assert.Equal(1, stream.Stage);
        Assert.Contains(Enumerable.Range(0, 40).SelectMany(_ => stream.NextGroup()), r => r.Task.Id.EndsWith("-L2", StringComparison.Ordinal));
    }

    [Fact]
    public void Constructor_PatternMatchingNothing_FormatError()
    {
        var e = Assert.Throws<FormatException>(() => new TaskStream(PipelineFixtures.Scenario("{}"), PipelineFixtures.Registry,
            [new CurriculumStage { TaskPattern = "^nothing$" }], seed: 1));
        Assert.Contains("$.trainer.curriculum[0].task_pattern", e.Message);
    }

    [Fact]
    public void Constructor_OnlySomeEnvironments_TrainsOnThoseOnly()
    {
        var scenario = PipelineFixtures.Scenario("{}", environments: """[{ "id": "game/vault", "tasks": 20 }, { "id": "math/arithmetic", "tasks": 20 }]""");
        var stream = new TaskStream(scenario, PipelineFixtures.Registry, [], seed: 1, only: ["math/arithmetic"]);
        Assert.All(Enumerable.Range(0, 6).SelectMany(_ => stream.NextGroup()), r => Assert.Equal("math/arithmetic", r.EnvironmentId));
        Assert.Throws<FormatException>(() => new TaskStream(scenario, PipelineFixtures.Registry, [], seed: 1, only: ["support/desk"]));
    }
}
