using Forge.Core;
using Forge.Host.Replay;

namespace Forge.Host.Tests.Replay;

public sealed class EpisodeRerunTests
{
    private static readonly GuessTask Task1 = GuessEnvironment.Task1;

    private static async Task<Trajectory> RecordAsync(IEnvironment environment, params string[] guesses)
    {
        var context = new EpisodeContext("ep-1", 5);
        var reset = await environment.ResetAsync(context, Task1);
        var steps = new List<Step>();
        StepResult? last = null;
        foreach (var guess in guesses)
        {
            var action = Message.Assistant(guess);
            last = await environment.StepAsync(action, CancellationToken.None);
            steps.Add(new Step { Index = steps.Count, Action = action, Observation = last.Observation, Reward = last.Reward });
        }
        return new Trajectory
        {
            EpisodeId = "ep-1", EnvironmentId = "test/guess", EnvironmentVersion = "2", TaskId = Task1.Id, Seed = 5,
            Prompt = reset.Observation, Steps = steps, Breakdown = last?.Breakdown, TotalReward = steps.Sum(s => s.Reward),
            Termination = last?.Done == true ? Termination.Terminated : Termination.Cancelled,
        };
    }

    private static Task<RerunReport> RerunAsync(Trajectory recorded, IEnvironment environment) =>
        EpisodeRerun.RunAsync(recorded, GuessEnvironment.Setup(() => environment));

    [Fact]
    public async Task RerunAsync_SameEnvironment_ReproducesEveryStep()
    {
        var recorded = await RecordAsync(new GuessEnvironment(), "pear", "plum", "apple");

        var report = await RerunAsync(recorded, new GuessEnvironment());

        Assert.Null(report.Divergence);
        Assert.Equal(3, report.StepsReplayed);
        Assert.Empty(report.Notes);
    }

    [Fact]
    public async Task RerunAsync_ChangedObservation_ReportsTheFirstStepThatDiffers()
    {
        var recorded = await RecordAsync(new GuessEnvironment(), "pear", "plum", "apple");

        var report = await RerunAsync(recorded, new GuessEnvironment(hint: "colder"));

        var divergence = Assert.IsType<TrajectoryDivergence>(report.Divergence);
        Assert.Equal((0, "observation"), (divergence.Step, divergence.What));
        Assert.Equal("message 0: user: \"warmer\"", divergence.Expected);
        Assert.Equal("message 0: user: \"colder\"", divergence.Actual);
    }

    [Fact]
    public async Task RerunAsync_ChangedReward_ReportsTheReward()
    {
        var recorded = await RecordAsync(new GuessEnvironment(), "pear", "apple");
        var steps = recorded.Steps.ToList();
        steps[1] = steps[1] with { Reward = 0.5 };

        var report = await RerunAsync(recorded with { Steps = steps }, new GuessEnvironment());

        Assert.Equal(new TrajectoryDivergence(1, "reward", "0.5", "1"), report.Divergence);
        Assert.Equal(1, report.StepsReplayed);
    }

    [Fact]
    public async Task RerunAsync_EnvironmentEndsEarlier_ReportsTheEnd()
    {
        var recorded = await RecordAsync(new GuessEnvironment(), "pear", "apple");
        var extra = recorded.Steps.Append(new Step { Index = 2, Action = Message.Assistant("again") }).ToList();

        var report = await RerunAsync(recorded with { Steps = extra }, new GuessEnvironment());

        Assert.Equal((2, "end"), (report.Divergence!.Step, report.Divergence.What));
    }

    [Fact]
    public async Task RerunAsync_RecordedErrorHappensAgain_IsANoteNotADivergence()
    {
        var recorded = new Trajectory
        {
            EpisodeId = "ep-1", EnvironmentId = "test/guess", EnvironmentVersion = "2", TaskId = Task1.Id, Seed = 5,
            Prompt = [Message.User("Guess the word.")], Steps = [new Step { Action = Message.Assistant("pear") }],
            Termination = Termination.Errored, Error = new EpisodeError(ErrorBoundary.Environment, "InvalidOperationException", "guess store offline"),
        };

        var report = await RerunAsync(recorded, new GuessEnvironment(throwOnGuess: true));

        Assert.Null(report.Divergence);
        Assert.Contains("environment failed again as recorded (InvalidOperationException: guess store offline)", Assert.Single(report.Notes));
    }
}
