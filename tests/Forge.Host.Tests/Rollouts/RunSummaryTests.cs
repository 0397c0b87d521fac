using Forge.Core;

namespace Forge.Host.Tests.Rollouts;

public sealed class RunSummaryTests
{
    private static Trajectory T(string env, double reward, Termination termination = Termination.Terminated, bool success = false, ErrorBoundary? error = null, int steps = 1) => new()
    {
        EpisodeId = Guid.NewGuid().ToString(),
        EnvironmentId = env,
        TaskId = "t",
        TotalReward = reward,
        Termination = termination,
        Breakdown = new RewardBreakdown(new Dictionary<string, double>(), reward, success),
        Error = error is { } b ? new EpisodeError(b, "X", "x") : null,
        Steps = [.. Enumerable.Range(0, steps).Select(i => new Step { Index = i, Action = Message.Assistant("a") })],
    };

    [Fact]
    public void Build_MixedEpisodes_StatisticsPerEnvironmentAndOverall()
    {
        var builder = new RunSummaryBuilder("r", TimeProvider.System);
        foreach (var t in new[]
        {
            T("b/env", 0), T("b/env", 1, success: true), T("b/env", 1, success: true, steps: 3), T("b/env", 2, success: true, steps: 3),
            T("a/env", 0, Termination.Errored, error: ErrorBoundary.Agent), T("a/env", 0.5, Termination.Truncated),
        })
            builder.Add(t);
        builder.AddSinkError("broken");

        var s = builder.Build(cancelled: true);

        Assert.Equal(("r", 6, 10, true), (s.RunId, s.Episodes, s.Steps, s.Cancelled));
        Assert.Equal(["a/env", "b/env"], s.Environments.Select(e => e.Id));
        var b = s.Environments[1];
        Assert.Equal((4, 1.0, 0.75, 0, 2.0), (b.Episodes, b.MeanReward, b.SuccessRate, b.Errors, b.MeanSteps));
        Assert.Equal(Math.Sqrt(0.5), b.StdReward, 12);
        var a = s.Environments[0];
        Assert.Equal((2, 0.25, 0.0, 1), (a.Episodes, a.MeanReward, a.SuccessRate, a.Errors));
        Assert.Equal(4, s.Terminations[Termination.Terminated]);
        Assert.Equal(1, s.Terminations[Termination.Truncated]);
        Assert.Equal(1, s.Errors[ErrorBoundary.Agent]);
        Assert.Equal(["broken"], s.SinkErrors);
        Assert.True(s.WallSeconds >= 0);
    }

    [Fact]
    public async Task ProgressSink_Trajectories_CountsEachWayOfEnding()
    {
        var sink = new ProgressSink();
        var seen = 0;
        sink.Progressed += (_, _) => seen++;
        await sink.OnTrajectoryAsync(T("e", 1, success: true, steps: 2), default);
        await sink.OnTrajectoryAsync(T("e", 0, Termination.Errored, error: ErrorBoundary.Environment), default);
        await sink.OnTrajectoryAsync(T("e", 0.5, Termination.Truncated), default);
        await sink.OnTrajectoryAsync(T("e", 0, Termination.Cancelled), default);
        await sink.CompleteAsync(default);

        Assert.Equal(new RunProgress(4, 1, 1, 1, 1, 5, 1.5), sink.Current);
        Assert.Equal(0.375, sink.Current.MeanReward);
        Assert.Equal(4, seen);
        Assert.True(sink.IsComplete);
    }
}
