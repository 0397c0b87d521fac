using Forge.Core.Rewards;
using Microsoft.Extensions.AI;

namespace Forge.Core.Tests.Rewards;

public sealed class LlmJudgeTests
{
    private sealed record T(string Id) : IEnvironmentTask;

    /// <summary>A judge endpoint: answers from a script, counts requests and the most in flight at once, can fail first.</summary>
    private sealed class ScriptedJudge(Func<string, string> answer, int failFirst = 0, TimeSpan? delay = null) : IChatClient
    {
        private int _inFlight;
        public int Requests;
        public int MostInFlight;
        public ChatOptions? LastOptions;

        public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var now = Interlocked.Increment(ref _inFlight);
            try
            {
                lock (this) MostInFlight = Math.Max(MostInFlight, now);
                LastOptions = options;
                if (delay is { } d) await Task.Delay(d, cancellationToken);
                if (Interlocked.Increment(ref Requests) <= failFirst) throw new HttpRequestException("503 from the judge");
                return new ChatResponse(new ChatMessage(ChatRole.Assistant, answer(messages.Single().Text)));
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose() { }
    }

    private static RewardContext<T> Episode(string answer) =>
        new(new T("t"), [Message.System("be kind"), Message.User("My order is late."), Message.Assistant(answer)]);

    private static LlmJudge<T> Judge(IChatClient client, int scaleMax = 1, int concurrency = 4, int retries = 2) =>
        new("tone", 0.2, client, _ => "Is the assistant polite?", new LlmJudgeOptions { Model = "judge-1", MaxConcurrency = concurrency, Retries = retries, RetryDelay = TimeSpan.Zero }, scaleMax);

    [Theory]
    [InlineData("The reply is courteous.\nPASS", 1, 1.0)]
    [InlineData("Rude. FAIL", 1, 0.0)]
    [InlineData("**Score:** 3", 4, 0.75)]
    [InlineData("score = 4/4", 4, 1.0)]
    [InlineData("2", 4, 0.5)]
    [InlineData("Score: 5", 4, null)]          // off the scale
    [InlineData("Score: 3/5", 4, null)]        // another scale
    [InlineData("It depends.", 1, null)]
    [InlineData("", 4, null)]
    public void Parse_Replies(string reply, int scaleMax, double? expected) => Assert.Equal(expected, JudgeVerdict.Parse(reply, scaleMax));

    [Fact]
    public async Task Score_Verdict_AtTemperatureZero_WithTheRawReplyNoted()
    {
        var client = new ScriptedJudge(_ => "Polite and clear.\nScore: 3");
        var context = Episode("Sorry about that! It ships tomorrow.");

        var score = await Judge(client, scaleMax: 4).Score(context);

        Assert.Equal(0.75, score);
        Assert.Equal("Polite and clear.\nScore: 3", context.Notes["tone"]);
        Assert.Equal((0f, "judge-1"), (client.LastOptions!.Temperature, client.LastOptions.ModelId));
    }

    [Fact]
    public async Task Score_PromptCarriesRubricConversationAndScale()
    {
        string? asked = null;
        await Judge(new ScriptedJudge(p => { asked = p; return "PASS"; })).Score(Episode("Sorry!"));

        Assert.Contains("Is the assistant polite?", asked);
        Assert.Contains("[user] My order is late.", asked);
        Assert.Contains("[assistant] Sorry!", asked);
        Assert.DoesNotContain("be kind", asked);
        Assert.EndsWith("PASS or FAIL.", asked);
    }

    [Fact]
    public async Task Score_ReplyWithoutVerdict_ScoresZeroAndNotesAJudgeError()
    {
        var context = Episode("ok");

        Assert.Equal(0, await Judge(new ScriptedJudge(_ => "I would rather not say.")).Score(context));
        Assert.Equal("judge error: no verdict in the reply: I would rather not say.", context.Notes["tone"]);
    }

    [Fact]
    public async Task Score_SameEpisodeTwice_AsksTheJudgeOnce()
    {
        var client = new ScriptedJudge(_ => "PASS");
        var judge = Judge(client);

        await judge.Score(Episode("Sorry!"));
        await judge.Score(Episode("Sorry!"));
        await judge.Score(Episode("Sorry, again."));

        Assert.Equal(2, client.Requests);
        Assert.Equal(2, judge.Endpoint.Requests);
    }

    [Fact]
    public async Task Score_TransientFailures_AreRetried()
    {
        var client = new ScriptedJudge(_ => "PASS", failFirst: 2);

        Assert.Equal(1, await Judge(client, retries: 2).Score(Episode("Sorry!")));
        Assert.Equal(3, client.Requests);
    }

    [Fact]
    public async Task Score_JudgeDownAfterRetries_ScoresZeroWithoutThrowingAndAsksAgainNextTime()
    {
        var client = new ScriptedJudge(_ => "PASS", failFirst: 3);
        var judge = Judge(client, retries: 1);
        var context = Episode("Sorry!");

        Assert.Equal(0, await judge.Score(context));
        Assert.Equal("judge error: HttpRequestException: 503 from the judge", context.Notes["tone"]);
        Assert.Equal(1, await judge.Score(Episode("Sorry!")));   // not cached: the failure was no verdict
    }

    [Fact]
    public async Task Score_ManyEpisodesAtOnce_StayWithinTheConcurrencyBound()
    {
        var client = new ScriptedJudge(_ => "PASS", delay: TimeSpan.FromMilliseconds(20));
        var judge = Judge(client, concurrency: 2);

        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => judge.Score(Episode($"reply {i}")).AsTask()));

        Assert.Equal(10, client.Requests);
        Assert.Equal(2, client.MostInFlight);
    }

    [Fact]
    public async Task Rubric_RecordsTheJudgesReplyInTheBreakdown()
    {
        var rubric = new Rubric<T>().Add("answered", 1, c => c.FinalAnswer is null ? 0 : 1).Add(Judge(new ScriptedJudge(_ => "PASS")));

        var breakdown = await rubric.Score(Episode("Sorry!"));

        Assert.Equal(1.2, breakdown.Total, 9);
        Assert.Equal("PASS", breakdown.Notes!["tone"]);
    }

    [Fact]
    public void Constructor_InvalidOptions_SaysWhich()
    {
        var message = Assert.Throws<ArgumentException>(() =>
            new LlmJudge<T>("tone", 1, new ScriptedJudge(_ => ""), _ => "", new LlmJudgeOptions { MaxConcurrency = 0, Endpoint = "ftp://judge" })).Message;

        Assert.Contains("model: is required", message);
        Assert.Contains("max_concurrency: must be between 1 and 256 (got 0)", message);
        Assert.Contains("endpoint: must be an absolute http or https URL", message);
    }

    [Fact]
    public void Constructor_LogprobsScaleAboveNine_Refused()
    {
        var endpoint = new JudgeEndpoint(new ChatClientJudgeModel(new ScriptedJudge(_ => "")), new LlmJudgeOptions { Model = "m", Mode = JudgeMode.Logprobs });

        Assert.Throws<ArgumentOutOfRangeException>(() => new LlmJudge<T>("tone", 1, endpoint, _ => "", scaleMax: 10));
    }
}
