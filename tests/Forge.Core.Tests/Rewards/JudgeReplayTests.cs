using Forge.Core.Rewards;

namespace Forge.Core.Tests.Rewards;

/// <summary>Logprobs verdicts, and verdicts kept with the score so that a rerun scores them again without calling the judge.</summary>
public sealed class JudgeReplayTests
{
    private sealed record T(string Id) : IEnvironmentTask;

    /// <summary>A judge model that answers from a script and counts the questions it was asked.</summary>
    private sealed class CountingModel(Func<string, JudgeReply> answer) : IJudgeModel
    {
        public int Calls;
        public int LastTopLogprobs;
        public string? LastPrompt;

        public Task<JudgeReply> AskAsync(string model, string prompt, int topLogprobs, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            (LastTopLogprobs, LastPrompt) = (topLogprobs, prompt);
            return Task.FromResult(answer(prompt));
        }
    }

    private static RewardContext<T> Episode(string answer) =>
        new(new T("t"), [Message.System("be kind"), Message.User("My order is late."), Message.Assistant(answer)]);

    private static JudgeLogprob L(string token, double p) => new(token, Math.Log(p));

    [Theory]
    [InlineData(0.6, 0.2, 0.75)]    // P(yes) / (P(yes) + P(no)), whatever else the model would say
    [InlineData(0.9, 0.0, 1.0)]
    [InlineData(0.0, 0.3, 0.0)]
    public void FromLogprobs_PassFail_ProbabilityOfYesAmongYesAndNo(double yes, double no, double expected)
    {
        var alternatives = new List<JudgeLogprob> { L("Maybe", 0.1) };
        if (yes > 0) alternatives.AddRange([L("Yes", yes * 2 / 3), L(" yes", yes / 3)]);
        if (no > 0) alternatives.Add(L("no", no));

        Assert.Equal(expected, JudgeVerdict.FromLogprobs(alternatives, 1)!.Value, 12);
    }

    [Fact]
    public void FromLogprobs_ByteTokens_CountTheFirstLetter() =>
        Assert.Equal(0.25, JudgeVerdict.FromLogprobs([L("n", 0.6), L("y", 0.2), L("H", 0.2)], 1)!.Value, 12);

    [Fact]
    public void FromLogprobs_Scale_ExpectedDigitOverTheScale()
    {
        // 0.5·4 + 0.25·2 + 0.25·3 = 3.25 of 4; "7" is off the scale and "x" no digit.
        var score = JudgeVerdict.FromLogprobs([L("4", 0.4), L("2", 0.2), L("3", 0.2), L("7", 0.1), L("x", 0.1)], 4);

        Assert.Equal(3.25 / 4, score!.Value, 12);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void FromLogprobs_NoVerdictAmongTheAlternatives_Null(int scale) =>
        Assert.Null(JudgeVerdict.FromLogprobs([L("Hello", 0.9), L("!", 0.1)], scale));

    [Fact]
    public async Task Score_LogprobsMode_AsksForTheFirstTokenAndWeighsYesAgainstNo()
    {
        var model = new CountingModel(_ => new JudgeReply("Yes", [L("Yes", 0.72), L("No", 0.24), L("The", 0.04)]));
        var endpoint = new JudgeEndpoint(model, new LlmJudgeOptions { Model = "judge", Mode = JudgeMode.Logprobs, TopLogprobs = 5 });
        var context = Episode("Sorry about that!");

        var score = await new LlmJudge<T>("polite", 0.2, endpoint, _ => "Was the assistant polite?").Score(context);

        Assert.Equal(0.75, score, 12);
        Assert.Equal(5, model.LastTopLogprobs);
        Assert.EndsWith("Answer with one word: yes or no.", model.LastPrompt);
        var judgement = context.Judgements["polite"];
        Assert.Equal(("judge", JudgeMode.Logprobs, "Yes", 3), (judgement.Model, judgement.Mode, judgement.Reply, judgement.FirstTokenLogprobs!.Count));
        Assert.StartsWith("Yes [first token: 'Yes' -0.3285, 'No' -1.4271", context.Notes["polite"]);
    }

    [Fact]
    public async Task Rubric_KeepsTheVerdictWithHashesOfThePromptAndOfTheRubric()
    {
        var endpoint = new JudgeEndpoint(new CountingModel(_ => new JudgeReply("PASS")), new LlmJudgeOptions { Model = "judge" });
        var judge = new LlmJudge<T>("polite", 0.2, endpoint, _ => "Was the assistant polite?");
        var episode = Episode("Sorry!");

        var breakdown = await new Rubric<T>().Add(judge).Score(episode);

        var judgement = breakdown.Judgements!["polite"];
        Assert.Equal(("judge", JudgeMode.Text, "PASS"), (judgement.Model, judgement.Mode, judgement.Reply));
        Assert.Equal(Sha256(judge.Prompt(episode)), judgement.PromptHash);
        Assert.Equal(64, judgement.RubricHash.Length);
        Assert.NotEqual(judgement.PromptHash, judgement.RubricHash);
    }

    [Fact]
    public async Task Replaying_TheRecordedQuestion_ScoresFromTheRecordingWithoutACall()
    {
        var model = new CountingModel(_ => new JudgeReply("PASS"));
        var endpoint = new JudgeEndpoint(model, new LlmJudgeOptions { Model = "judge" });
        var recorded = await new Rubric<T>().Add(new LlmJudge<T>("polite", 1, endpoint, _ => "Polite?")).Score(Episode("Sorry!"));
        Assert.Equal(1, model.Calls);

        var view = endpoint.Replaying(recorded.Judgements);
        var rerun = await new Rubric<T>().Add(new LlmJudge<T>("polite", 1, view, _ => "Polite?")).Score(Episode("Sorry!"));

        Assert.Equal(1, model.Calls);
        Assert.Equal((1, 1.0), (view.Replayed, rerun.Total));
        Assert.Equal(recorded.Judgements!["polite"], rerun.Judgements!["polite"]);
        Assert.Empty(view.Changes);
    }

    [Fact]
    public async Task Replaying_ARecordedVerdictAnswersEvenWithNoModelToAsk()
    {
        var endpoint = new JudgeEndpoint(new CountingModel(_ => new JudgeReply("FAIL")), new LlmJudgeOptions { Model = "judge", Endpoint = "http://127.0.0.1:9/v1" });
        var recorded = await new Rubric<T>().Add(new LlmJudge<T>("polite", 1, endpoint, _ => "Polite?")).Score(Episode("Whatever."));

        var offline = JudgeEndpoint.RecordingOnly(endpoint.Provenance);
        var same = Episode("Whatever.");
        var other = Episode("Sorry!");
        await new LlmJudge<T>("polite", 1, offline.Replaying(recorded.Judgements), _ => "Polite?").Score(same);
        var score = await new LlmJudge<T>("polite", 1, offline.Replaying(recorded.Judgements), _ => "Polite?").Score(other);

        Assert.Equal("FAIL", same.Notes["polite"]);
        Assert.Equal(0, score);
        Assert.StartsWith("judge error: InvalidOperationException: no judge endpoint to ask in this rerun (the episode was judged by judge at http://127.0.0.1:9/v1)", other.Notes["polite"]);
    }

    [Fact]
    public async Task Replaying_AChangedRubricOrModel_IsAskedAgainAndSaysWhatChanged()
    {
        var model = new CountingModel(_ => new JudgeReply("PASS"));
        var recorded = await new Rubric<T>().Add(new LlmJudge<T>("polite", 1, new JudgeEndpoint(model, new LlmJudgeOptions { Model = "judge" }), _ => "Polite?")).Score(Episode("Sorry!"));

        var reworded = new JudgeEndpoint(model, new LlmJudgeOptions { Model = "judge" }).Replaying(recorded.Judgements);
        await new LlmJudge<T>("polite", 1, reworded, _ => "Courteous?").Score(Episode("Sorry!"));
        var otherModel = new JudgeEndpoint(model, new LlmJudgeOptions { Model = "judge-2" }).Replaying(recorded.Judgements);
        await new LlmJudge<T>("polite", 1, otherModel, _ => "Polite?").Score(Episode("Sorry!"));
        var fork = new JudgeEndpoint(model, new LlmJudgeOptions { Model = "judge" }).Replaying(recorded.Judgements);
        await new LlmJudge<T>("polite", 1, fork, _ => "Polite?").Score(Episode("Sorry, it ships today."));

        Assert.Equal(4, model.Calls);
        Assert.StartsWith("the prompt of judge `polite` changed since the episode was recorded (rubric hash ", Assert.Single(reworded.Changes));
        Assert.Equal("judge `polite` now asks model judge-2; the episode was judged by judge", Assert.Single(otherModel.Changes));
        Assert.Empty(fork.Changes);   // a new conversation is a new question, not a change
    }

    private static string Sha256(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
}
