using Forge.Core;
using Forge.Host.Replay;

namespace Forge.Host.Tests.Replay;

public sealed class EpisodeForkTests
{
    /// <summary>Guesses right when its agent seed is even, wrong otherwise: branches with different agent seeds end differently.</summary>
    private sealed class SeededGuesser : IAgent
    {
        public List<int> AgentSeeds { get; } = [];

        public string Id => "test/seeded";

        public ValueTask<Message> ActAsync(AgentTurn turn, CancellationToken cancellationToken)
        {
            lock (AgentSeeds) AgentSeeds.Add(turn.AgentSeed);
            return ValueTask.FromResult(Message.Assistant(turn.AgentSeed % 2 == 0 ? "apple" : "fig"));
        }
    }

    private static Trajectory Parent() => new()
    {
        EpisodeId = "ep-1", EnvironmentId = "test/guess", TaskId = "w-1", Seed = 5, GroupId = "g",
        Prompt = [Message.User("Guess the word.")],
        Steps =
        [
            new Step { Index = 0, Action = Message.Assistant("pear"), Observation = [Message.User("warmer")] },
            new Step { Index = 1, Action = Message.Assistant("plum"), Observation = [Message.User("warmer")] },
            new Step { Index = 2, Action = Message.Assistant("apple"), Reward = 1 },
        ],
        Termination = Termination.Terminated,
    };

    [Fact]
    public async Task SampleAsync_GroupFromMidEpisode_RestoresThePrefixAndRecordsTheParent()
    {
        var agent = new SeededGuesser();
        var fork = new EpisodeFork(GuessEnvironment.Setup(() => new GuessEnvironment()));

        var branches = await fork.SampleAsync(Parent(), forkStep: 2, agent, samples: 8);

        Assert.Equal(8, branches.Count);
        Assert.All(branches, b => Assert.Null(b.PrefixDivergence));
        Assert.All(branches, b => Assert.Equal(("ep-1", 2, "ep-1/fork@2"), (b.Trajectory.ParentEpisodeId, b.Trajectory.ForkStep, b.Trajectory.GroupId)));
        Assert.All(branches, b => Assert.Equal(["pear", "plum"], b.Trajectory.Steps.Take(2).Select(s => s.Action.Content)));
        Assert.Equal(8, branches.Select(b => b.Trajectory.EpisodeId).Distinct().Count());
        // The agent acted only after the prefix, each branch with its own agent seed; the environment kept the parent's seed.
        Assert.Equal(8, agent.AgentSeeds.Distinct().Count());
        Assert.All(branches, b => Assert.Equal(5, b.Trajectory.Seed));
        Assert.Contains(branches, b => b.Trajectory.Success);
        Assert.Contains(branches, b => b.Trajectory.Termination == Termination.Truncated);
    }

    /// <summary>An agent whose context is already full: the host truncates the episode at its first turn.</summary>
    private sealed class FullContext : IAgent
    {
        public string Id => "test/full";

        public ValueTask<Message> ActAsync(AgentTurn turn, CancellationToken cancellationToken) => throw new ContextLengthExceededException("the prompt fills the context");
    }

    [Fact]
    public async Task SampleAsync_AgentThatCannotActAtTheForkStep_PrefixStillRestoredAndTheTruncationScored()
    {
        var fork = new EpisodeFork(GuessEnvironment.Setup(() => new GuessEnvironment(forTrying: 0.5)));

        var branch = Assert.Single(await fork.SampleAsync(Parent(), forkStep: 2, new FullContext(), samples: 1));

        // The truncation's score lands on the last re-executed step, yet re-execution restored the parent's first two steps.
        Assert.Null(branch.PrefixDivergence);
        Assert.Equal((Termination.Truncated, ContextLengthExceededException.Reason, 2), (branch.Trajectory.Termination, branch.Trajectory.TruncationReason, branch.Trajectory.Steps.Count));
        Assert.Equal(0.5, branch.Trajectory.Steps[1].Reward);
        Assert.Equal(0.5, branch.Trajectory.TotalReward);
    }

    [Fact]
    public async Task SampleAsync_EnvironmentThatReadsTheClock_ReportsThePrefixNotRestored()
    {
        var recorded = Parent() with
        {
            Steps = [new Step { Index = 0, Action = Message.Assistant("pear"), Observation = [Message.User("warmer on 2020-01-01 00:00:00.0000000")] }],
            Termination = Termination.Cancelled,
        };
        var fork = new EpisodeFork(GuessEnvironment.Setup(() => new GuessEnvironment(useClock: true)));

        var branch = Assert.Single(await fork.SampleAsync(recorded, forkStep: 1, new SeededGuesser(), samples: 1));

        Assert.Equal((0, "observation"), (branch.PrefixDivergence!.Step, branch.PrefixDivergence.What));
    }

    [Fact]
    public async Task SampleAsync_ForkStepPastTheEnd_IsRefused()
    {
        var fork = new EpisodeFork(GuessEnvironment.Setup(() => new GuessEnvironment()));

        var e = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => fork.SampleAsync(Parent(), forkStep: 3, new SeededGuesser(), samples: 2));

        Assert.Contains("can be forked at steps 0 to 2", e.Message);
    }

    [Fact]
    public void Constructor_EnvironmentMarkedNotForkable_SaysWhy()
    {
        var setup = GuessEnvironment.Setup(() => new GuessEnvironment());
        setup = setup with { Environment = new Forge.Host.Registry.RegisteredEnvironment("test/clock", "1", "", typeof(ClockEnvironment), typeof(GuessTask), new Forge.Host.Registry.FileTaskSource("t", [GuessEnvironment.Task1]), null, EpisodeLimits.Default, RewardMode.Graded) };

        var e = Assert.Throws<ReplayException>(() => new EpisodeFork(setup));

        Assert.Equal("test/clock is not forkable: it asks the time server", e.Message);
    }

    [Environment("test/clock")]
    [NotForkable("it asks the time server")]
    private sealed class ClockEnvironment : Environment<GuessTask>
    {
        protected override IEnumerable<Message> Prompt(GuessTask task) => [Message.User("?")];

        protected override Rubric Rubric => new Rubric().Add("none", 1, _ => 0);

        protected override ValueTask<Turn> OnStepAsync(Message action, CancellationToken cancellationToken) => ValueTask.FromResult(Turn.End());
    }
}
