using Forge.Core;
using Forge.Core.Rewards;
using Forge.Host.Registry;
using Forge.Host.Replay;
using Microsoft.Extensions.Logging.Abstractions;

namespace Forge.Host.Tests.Replay;

/// <summary>An LLM-judged rubric through the episode driver: recorded once, re-executed and forked without asking the judge again.</summary>
public sealed class JudgedRerunTests
{
    /// <summary>The guessing game (a guess that starts with the word wins), scored also by a judge (when the run has one) on whether the final guess was polite.</summary>
    [Environment("test/judged-guess", Version = "1")]
    private sealed class JudgedGuess(string rubric = "Did the assistant guess politely?") : Environment<GuessTask>
    {
        protected override IEnumerable<Message> Prompt(GuessTask task) => [Message.User("Guess the word.")];

        protected override Rubric Rubric => Judge is { } judge
            ? new Rubric<GuessTask>().Add("exact", 1, c => c.FinalAnswer?.StartsWith(c.Task.Answer, StringComparison.Ordinal) == true ? 1 : 0).Add(new LlmJudge<GuessTask>("polite", 0.5, judge, _ => rubric))
            : new Rubric<GuessTask>().Add("exact", 1, c => c.FinalAnswer?.StartsWith(c.Task.Answer, StringComparison.Ordinal) == true ? 1 : 0);

        protected override ValueTask<Turn> OnStepAsync(Message action, CancellationToken cancellationToken) =>
            ValueTask.FromResult(action.Content.StartsWith(Task.Answer, StringComparison.Ordinal) ? Turn.End() : Turn.Continue(Message.User("warmer")));
    }

    /// <summary>A judge endpoint's model: "yes" with probability 0.8 when the guess says please, 0.1 otherwise; counts its calls.</summary>
    private sealed class CountingJudge : IJudgeModel
    {
        public int Calls;

        public Task<JudgeReply> AskAsync(string model, string prompt, int topLogprobs, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            var yes = prompt.Contains("please", StringComparison.Ordinal) ? 0.8 : 0.1;
            return Task.FromResult(new JudgeReply("yes", [new JudgeLogprob("yes", Math.Log(yes)), new JudgeLogprob("no", Math.Log(1 - yes))]));
        }
    }

    private sealed class Says(string text) : IAgent
    {
        public string Id => "test/says";

        public ValueTask<Message> ActAsync(AgentTurn turn, CancellationToken cancellationToken) => ValueTask.FromResult(Message.Assistant(text));
    }

    private static readonly LlmJudgeOptions Options = new() { Model = "judge-1", Mode = JudgeMode.Logprobs, Endpoint = "http://127.0.0.1:9/v1" };

    private static ReplaySetup Setup(Func<IEnvironment> create, JudgeEndpoint? judge) => GuessEnvironment.Setup(create) with
    {
        Environment = new RegisteredEnvironment("test/judged-guess", "1", "", typeof(JudgedGuess), typeof(GuessTask),
            new FileTaskSource("tasks.jsonl", [GuessEnvironment.Task1]), null, EpisodeLimits.Default, RewardMode.Graded),
        Judge = judge,
    };

    private static async Task<Trajectory> RecordAsync(JudgeEndpoint judge, params string[] guesses)
    {
        var runner = new EpisodeRunner(null, TimeProvider.System, NullLogger.Instance, "run-1");
        var request = new EpisodeRequest("ep-1", "test/judged-guess", GuessEnvironment.Task1, 5, "g") { Judge = judge };
        return await runner.RunAsync(request, _ => new JudgedGuess(), new RecordedActions([.. guesses.Select(g => Message.Assistant(g))], "test/agent"), CancellationToken.None);
    }

    [Fact]
    public async Task Rerun_JudgedEpisode_ScoresTheRecordedVerdictWithZeroJudgeCalls()
    {
        var model = new CountingJudge();
        var recorded = await RecordAsync(new JudgeEndpoint(model, Options), "pear", "apple, please");
        Assert.Equal(1, model.Calls);
        Assert.Equal(1 + 0.5 * 0.8, recorded.TotalReward, 9);
        Assert.Equal(new JudgeProvenance { Model = "judge-1", Mode = JudgeMode.Logprobs, Endpoint = "http://127.0.0.1:9/v1", ApiKeyEnv = "OPENAI_API_KEY" }, recorded.Provenance!.Judge);

        var live = await EpisodeRerun.RunAsync(recorded, Setup(() => new JudgedGuess(), new JudgeEndpoint(model, Options)));
        var offline = await EpisodeRerun.RunAsync(recorded, Setup(() => new JudgedGuess(), JudgeEndpoint.RecordingOnly(recorded.Provenance.Judge!)));

        Assert.Equal(1, model.Calls);
        foreach (var report in new[] { live, offline })
        {
            Assert.Null(report.Divergence);
            Assert.Empty(report.Changes);
            Assert.Contains("1 judge verdict was scored again from the recording, without a judge call", report.Notes);
            Assert.Equal(recorded.Breakdown!.Judgements!["polite"], report.Rerun.Breakdown!.Judgements!["polite"]);
            Assert.Equal(recorded.Breakdown.Scores["polite"], report.Rerun.Breakdown.Scores["polite"]);
        }
    }

    [Fact]
    public async Task Rerun_JudgePromptChanged_SaysSoAndAsksAgain()
    {
        var model = new CountingJudge();
        var recorded = await RecordAsync(new JudgeEndpoint(model, Options), "apple, please");

        var report = await EpisodeRerun.RunAsync(recorded, Setup(() => new JudgedGuess("Was the guess courteous?"), new JudgeEndpoint(model, Options)));

        Assert.Equal(2, model.Calls);
        Assert.Contains(report.Changes, c => c.StartsWith("the prompt of judge `polite` changed since the episode was recorded", StringComparison.Ordinal));
        Assert.Null(report.Divergence);   // same verdict from the same model: the change is said, the rewards agree
    }

    [Fact]
    public async Task Rerun_JudgePromptChangedAndNoEndpoint_SaysSoAndDivergesOnTheJudgedComponent()
    {
        var model = new CountingJudge();
        var recorded = await RecordAsync(new JudgeEndpoint(model, Options), "apple, please");

        var report = await EpisodeRerun.RunAsync(recorded, Setup(() => new JudgedGuess("Was the guess courteous?"), JudgeEndpoint.RecordingOnly(recorded.Provenance!.Judge!)));

        Assert.Equal(1, model.Calls);
        Assert.Contains(report.Changes, c => c.StartsWith("the prompt of judge `polite` changed", StringComparison.Ordinal));
        Assert.Equal(new TrajectoryDivergence(0, "reward component polite", "0.8", "0"), report.Divergence);
        Assert.StartsWith("judge error: InvalidOperationException: no judge endpoint to ask in this rerun", report.Rerun.Breakdown!.Notes!["polite"]);
    }

    [Fact]
    public async Task Fork_NewTurnsAreJudgedTheRecordedPrefixIsNot()
    {
        var model = new CountingJudge();
        var parent = await RecordAsync(new JudgeEndpoint(model, Options), "pear", "apple, please");
        var fork = new EpisodeFork(Setup(() => new JudgedGuess(), new JudgeEndpoint(model, Options)));

        var branches = await fork.SampleAsync(parent, forkStep: 1, new Says("apple"), samples: 2);

        // Both branches end "apple" (no please): one new question, asked once and cached; the parent's verdict is not reused.
        Assert.Equal(2, model.Calls);
        Assert.All(branches, b => Assert.Equal(0.1, b.Trajectory.Breakdown!.Scores["polite"], 9));
    }
}
