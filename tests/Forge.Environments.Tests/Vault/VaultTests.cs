using Forge.Core;
using Forge.Environments.Vault;

namespace Forge.Environments.Tests.Vault;

public sealed class VaultTests
{
    private static readonly EpisodeLimits Limits = new() { MaxTurns = 4 };
    private static readonly VaultTasks Tasks = new();

    private static Task<EpisodeOutcome> Play(IAgent agent, VaultTask task, int seed, RewardMode mode = RewardMode.Graded) =>
        Episode.PlayAsync(new VaultEnvironment(), agent, task, seed, Limits, mode);

    private static async Task<double> SuccessRate(IAgent agent, int episodes)
    {
        var solved = 0;
        for (var seed = 0; seed < episodes; seed++)
            if ((await Play(agent, Tasks.Generate(seed, seed), seed)).Breakdown.Success) solved++;
        return solved / (double)episodes;
    }

    [Fact]
    public async Task Solver_FiftySeedsBothLevels_AlwaysOpensWithFullGradedReward()
    {
        var levels = new HashSet<int>();
        for (var seed = 0; seed < 50; seed++)
        {
            var task = Tasks.Generate(seed, seed);
            levels.Add(task.Level);
            var outcome = await Play(new VaultSolver(), task, seed);
            Assert.True(outcome.Breakdown.Success, task.Id);
            Assert.Equal(2.0, outcome.Breakdown.Total, 9);
            Assert.Equal(task.Level + 1, outcome.Turns);
        }
        Assert.Equal([1, 2], levels.Order());
    }

    [Fact]
    public async Task NoviceSolver_TwoHundredSeeds_SucceedsSometimesButAtMost30Percent()
    {
        var rate = await SuccessRate(new VaultNoviceSolver(), 200);
        Assert.InRange(rate, 0.08, 0.30);
    }

    [Fact]
    public async Task GuessingAgents_WithoutTheTool_ScoreAboutZero()
    {
        var guesser = new GuessingAgent();
        Assert.InRange(await SuccessRate(guesser, 200), 0, 0.12);
        var babbler = Episode.Playing(Message.Assistant("lookup K3 please"));
        Assert.Equal(0, await SuccessRate(babbler, 50));
    }

    [Fact]
    public async Task Board_SameSeed_SameWordsAndOtherSeedsMoveThem()
    {
        var task = new VaultTask("t", "K3");
        Assert.Equal(VaultBoard.Deal(5, task).CodeWord, VaultBoard.Deal(5, task).CodeWord);
        var words = Enumerable.Range(0, 64).Select(seed => VaultBoard.Deal(seed, task).CodeWord).ToHashSet();
        Assert.True(words.Count >= 12, $"only {words.Count} distinct code words over 64 seeds");
        var board = VaultBoard.Deal(9, task);
        Assert.Equal(VaultBoard.Words.Order(), VaultBoard.Keys.Select(k => board.Read(k)!).Order());

        var first = await Play(new VaultSolver(), task, 21);
        var again = await Play(new VaultSolver(), task, 21);
        Assert.Equal(first.Conversation.Select(m => m.Content), again.Conversation.Select(m => m.Content));
    }

    [Fact]
    public void Board_LevelTwo_RedirectsToAnotherVaultHoldingTheWord()
    {
        for (var seed = 0; seed < 40; seed++)
        {
            var board = VaultBoard.Deal(seed, new VaultTask("t", "K7", Level: 2));
            Assert.True(VaultBoard.IsRedirect(board.Read("K7")!, out var next));
            Assert.NotEqual("K7", next);
            Assert.Equal(["K7", next], board.Path);
            Assert.Equal(board.CodeWord, board.Read(next));
        }
    }

    [Fact]
    public async Task Rubric_WrongKeyLookedUp_GetsShapingButNotOpened()
    {
        var task = new VaultTask("t", "K3");
        var board = VaultBoard.Deal(4, task);
        var wrong = VaultBoard.Keys.First(k => k != "K3" && board.Read(k) != board.CodeWord);
        var agent = Episode.Playing(Episode.Call("lookup", $$"""{"key": "{{wrong}}"}"""), Message.Assistant(board.Read(wrong)!));
        var outcome = await Play(agent, task, 4);
        Assert.Equal(0, outcome.Score("opened"));
        Assert.Equal(1, outcome.Score("called_lookup"));
        Assert.Equal(0, outcome.Score("right_key"));
        Assert.Equal(1, outcome.Score("format"));
        Assert.Equal(1, outcome.Score("answered_with_note"));
        Assert.Equal(0.6, outcome.Breakdown.Total, 9);
        Assert.Equal(0, (await Play(agent, task, 4, RewardMode.Binary)).Breakdown.Total);
    }

    [Theory]
    [InlineData("""{"key": "K99"}""", "no vault 'K99'")]
    [InlineData("""{"vault": "K1"}""", "error: ")]
    [InlineData("""{"key": 3}""", "error: ")]
    public async Task Lookup_BadKey_ToolErrorAndTheGameGoesOn(string arguments, string expected)
    {
        var outcome = await Play(Episode.Playing(Episode.Call("lookup", arguments), Message.Assistant("red")), new VaultTask("t", "K1"), 1);
        var result = Assert.Single(outcome.Conversation, m => m.Role == Role.Tool);
        Assert.True(result.IsError);
        Assert.Contains(expected, result.Content);
        Assert.Equal(2, outcome.Turns);
    }

    [Fact]
    public async Task Prompt_IsShortAndFixed()
    {
        Assert.Equal(("game/vault", 0.0, 2.0), (new VaultEnvironment().Info.Id, new VaultEnvironment().Info.MinReward, new VaultEnvironment().Info.MaxReward));
        var reset = await new VaultEnvironment().ResetAsync(new EpisodeContext("e", 1), new VaultTask("t", "K12", 2));
        Assert.Equal([VaultEnvironment.Rules, "Open vault K12."], reset.Observation.Select(m => m.Content));
        Assert.Equal("lookup", Assert.Single(reset.Tools).Name);
    }

    [Fact]
    public void VaultTasks_LevelOneGenerator_OnlyLevelOne()
    {
        var levelOne = new VaultTasks(1);
        Assert.All(Enumerable.Range(0, 50).Select(i => levelOne.Generate(2, i)), t => Assert.Equal(1, t.Level));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VaultTasks(3));
        Assert.Equal(Tasks.Generate(8, 3), Tasks.Generate(8, 3));
        // Curricula select levels by the id's suffix.
        Assert.All(Enumerable.Range(0, 50).Select(i => Tasks.Generate(2, i)), t => Assert.Matches($@"^vault-2-\d+-L{t.Level}$", t.Id));
    }

    /// <summary>Answers a random code word straight away, never using the tool: what a policy that ignores the tool can do at best.</summary>
    private sealed class GuessingAgent : IAgent
    {
        public string Id => "test/guess";

        public ValueTask<Message> ActAsync(AgentTurn turn, CancellationToken cancellationToken) =>
            ValueTask.FromResult(Message.Assistant(VaultBoard.Words[new Random(turn.Context.Seed * 31 + 7).Next(VaultBoard.Words.Count)]));
    }
}
