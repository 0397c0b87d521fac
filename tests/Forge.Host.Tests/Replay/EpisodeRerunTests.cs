using Forge.Core;
using Forge.Host.Registry;
using Forge.Host.Replay;

namespace Forge.Host.Tests.Replay;

public sealed class EpisodeRerunTests
{
    private sealed record GuessTask(string Id, string Answer) : IEnvironmentTask;

    /// <summary>The agent guesses a word; a wrong guess gets a hint, the right one ends the episode. <paramref name="hint"/> lets a test change the environment.</summary>
    [Environment("test/guess", Version = "2")]
    private sealed class GuessEnvironment(string hint = "warmer", bool throwOnGuess = false) : Environment<GuessTask>
    {
        protected override IEnumerable<Message> Prompt(GuessTask task) => [Message.User("Guess the word.")];

        protected override Rubric Rubric => new Rubric().Add("exact", 1, c => c.FinalAnswer == "apple" ? 1 : 0);

        protected override ValueTask<Turn> OnStepAsync(Message action, CancellationToken cancellationToken)
        {
            if (throwOnGuess) throw new InvalidOperationException("guess store offline");
            return ValueTask.FromResult(action.Content == Task.Answer ? Turn.End() : Turn.Continue(Message.User(hint)));
        }
    }

    private static readonly GuessTask Task1 = new("w-1", "apple");

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

    internal static ReplaySetup Setup(Func<IEnvironment> create) => new()
    {
        Environment = new RegisteredEnvironment("test/guess", "2", "", typeof(GuessEnvironment), typeof(GuessTask), new FileTaskSource("tasks.jsonl", [Task1]), null, EpisodeLimits.Default, RewardMode.Graded),
        Task = Task1,
        TaskProvenance = new TaskProvenance(),
        Limits = EpisodeLimits.Default,
        RewardMode = RewardMode.Graded,
        Factory = create,
    };

    private static Task<RerunReport> RerunAsync(Trajectory recorded, IEnvironment environment) =>
        EpisodeRerun.RunAsync(recorded, Setup(() => environment));

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
