using Forge.Core;
using Forge.Training.Pipeline;
using Forge.Training.Rl;

namespace Forge.Training.Tests.Pipeline;

public sealed class RewardScheduleTests
{
    private static IEnumerable<Trajectory> Episodes(string environment, int solved, int failed, int errored = 0) =>
        Enumerable.Range(0, solved + failed + errored).Select(i => new Trajectory
        {
            EpisodeId = $"{environment}:{i}", EnvironmentId = environment, TaskId = "t",
            Termination = i < solved + failed ? Termination.Terminated : Termination.Errored,
            Breakdown = i < solved + failed ? new RewardBreakdown(new Dictionary<string, double>(), i < solved ? 1 : 0, i < solved) : null,
        });

    private static RewardScheduleOptions Options(double rate = 0.5, int window = 3) =>
        new() { Start = RewardMode.Binary, GradedAfter = new GradedAfterOptions { SuccessRate = rate, Window = window } };

    [Fact]
    public void Observe_PooledRateOverLastWindowUpdates_SwitchesThatEnvironmentOnly()
    {
        var schedule = new RewardSchedule(Options(), ["game/vault", "math/arithmetic"]);

        Assert.Empty(schedule.Observe([.. Episodes("game/vault", 1, 3), .. Episodes("math/arithmetic", 4, 0)]));   // window not full yet
        Assert.Empty(schedule.Observe([.. Episodes("game/vault", 1, 3), .. Episodes("math/arithmetic", 4, 0)]));
        // vault: (1 + 1 + 3) / 12 = 0.42 < 0.5; arithmetic: 12 / 12.
        Assert.Equal(["math/arithmetic"], schedule.Observe([.. Episodes("game/vault", 3, 1), .. Episodes("math/arithmetic", 4, 0)]));
        Assert.Equal(RewardMode.Binary, schedule.ModeOf("game/vault"));
        // vault, last three updates: (1 + 3 + 4) / 12 = 0.67 ≥ 0.5.
        Assert.Equal(["game/vault"], schedule.Observe(Episodes("game/vault", 4, 0).ToList()));
        Assert.Equal(RewardMode.Graded, schedule.ModeOf("game/vault"));
        Assert.Empty(schedule.Observe(Episodes("game/vault", 0, 4).ToList()));   // for good
        Assert.All(schedule.Modes.Values, m => Assert.Equal(RewardMode.Graded, m));
    }

    [Fact]
    public void Observe_ErroredEpisodesAndUpdatesWithoutTheEnvironment_DoNotCount()
    {
        var schedule = new RewardSchedule(Options(rate: 0.5, window: 2), ["game/vault", "math/arithmetic"]);

        Assert.Empty(schedule.Observe(Episodes("game/vault", 1, 1, errored: 6).ToList()));   // 1 of 2 scored; window 1 of 2
        Assert.Empty(schedule.Observe(Episodes("math/arithmetic", 0, 4).ToList()));          // no vault episodes: vault's window unchanged
        Assert.Equal(RewardMode.Binary, schedule.ModeOf("game/vault"));
        Assert.Equal(["game/vault"], schedule.Observe(Episodes("game/vault", 1, 1).ToList()));   // (1 + 1) / 4 = 0.5
    }

    [Fact]
    public void Observe_NoGradedAfter_StaysInStartMode()
    {
        var schedule = new RewardSchedule(new RewardScheduleOptions(), ["game/vault"]);
        for (var i = 0; i < 5; i++) Assert.Empty(schedule.Observe(Episodes("game/vault", 4, 0).ToList()));
        Assert.Equal(RewardMode.Binary, schedule.ModeOf("game/vault"));
    }

    [Fact]
    public void TaskStream_WithSchedule_StampsTheCurrentModeOnEveryRequestOfAGroup()
    {
        var scenario = PipelineFixtures.Scenario("{}");
        var schedule = new RewardSchedule(Options(rate: 1, window: 1), ["game/vault"]);
        var stream = new TaskStream(scenario, PipelineFixtures.Registry, [], seed: 1) { RewardSchedule = schedule };

        Assert.All(stream.NextGroup(), r => Assert.Equal(RewardMode.Binary, r.RewardMode));
        schedule.Observe(Episodes("game/vault", 4, 0).ToList());
        Assert.All(stream.NextGroup(), r => Assert.Equal(RewardMode.Graded, r.RewardMode));
        Assert.All(new TaskStream(scenario, PipelineFixtures.Registry, [], seed: 1).NextGroup(),
            r => Assert.Equal(PipelineFixtures.Registry.Get("game/vault").RewardMode, r.RewardMode));   // no schedule: the registry's
    }
}
