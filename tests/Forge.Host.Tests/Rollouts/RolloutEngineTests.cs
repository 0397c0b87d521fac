using Forge.Core;
using Microsoft.Extensions.Time.Testing;

namespace Forge.Host.Tests.Rollouts;

public sealed class RolloutEngineTests
{
    private static readonly EpisodeLimits Short = new() { TurnTimeout = TimeSpan.FromMilliseconds(150), StepTimeout = TimeSpan.FromMilliseconds(150), EpisodeTimeout = TimeSpan.FromSeconds(10) };

    private static RolloutEngine Engine(Func<string, IEnvironment> create, IAgent agent, int concurrency = 4, int buffer = 64, ISandboxProvider? sandboxes = null, TimeProvider? time = null, int retries = 2) =>
        new(new RolloutOptions { Concurrency = concurrency, TrajectoryBuffer = buffer, RunId = "run", AgentRetries = retries }, create, agent, sandboxes, time);

    private static async Task<(RunSummary Summary, CollectingSink Sink)> Run(RolloutEngine engine, IEnumerable<EpisodeRequest> requests, CancellationToken ct = default)
    {
        var sink = new CollectingSink();
        var summary = await engine.RunAsync(requests, [sink], ct);
        return (summary, sink);
    }

    [Fact]
    public async Task RunAsync_HealthyEpisodes_DeliversEveryTrajectoryFilledIn()
    {
        var (summary, sink) = await Run(Engine(_ => new FakeEnvironment(), FakeAgent.Ok()), Requests.Make(10));

        Assert.Equal(1, sink.Completions);
        Assert.Equal(10, sink.Trajectories.Count);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"e{i}").Order(), sink.Trajectories.Select(t => t.EpisodeId).Order());
        var t = sink.Trajectories.Single(t => t.EpisodeId == "e3");
        Assert.Equal(Termination.Terminated, t.Termination);
        Assert.Equal(("run", "g3", "test/fake", "7", "t3", 1003, "fake"), (t.RunId, t.GroupId, t.EnvironmentId, t.EnvironmentVersion, t.TaskId, t.Seed, t.AgentId));
        Assert.Equal(3, t.Steps.Count);
        Assert.Equal([0, 1, 2], t.Steps.Select(s => s.Index));
        Assert.Equal(1.5, t.TotalReward, 9);
        Assert.True(t.Success);
        Assert.Equal(2, t.Prompt.Count);
        Assert.Single(t.Tools);
        Assert.Equal(3, t.AssistantTokens); // "ok" is one token, three times
        Assert.Null(t.Error);

        Assert.Equal(10, summary.Episodes);
        Assert.Equal(30, summary.Steps);
        Assert.Equal(10, summary.Terminations[Termination.Terminated]);
        var env = Assert.Single(summary.Environments);
        Assert.Equal(("test/fake", 10, 1.5, 0.0, 1.0, 0), (env.Id, env.Episodes, Math.Round(env.MeanReward, 9), env.StdReward, env.SuccessRate, env.Errors));
        Assert.False(summary.Cancelled);
    }

    [Theory]
    [InlineData(Fault.ThrowOnStep, ErrorBoundary.Environment, "step failed")]
    [InlineData(Fault.ThrowOnReset, ErrorBoundary.Environment, "reset failed")]
    [InlineData(Fault.NaNReward, ErrorBoundary.Reward, "NaN")]
    [InlineData(Fault.ThrowRewardException, ErrorBoundary.Reward, "reward function broke")]
    [InlineData(Fault.HangOnStep, ErrorBoundary.Environment, "exceeded 0.15 s")]
    public async Task RunAsync_FaultyEnvironment_ErrorsOnlyThatEpisode(Fault fault, ErrorBoundary boundary, string message)
    {
        var created = new List<FakeEnvironment>();
        var engine = Engine(_ =>
        {
            lock (created)
            {
                var env = new FakeEnvironment(created.Count == 2 ? fault : Fault.None);
                created.Add(env);
                return env;
            }
        }, FakeAgent.Ok(), concurrency: 1);

        var (summary, sink) = await Run(engine, Requests.Make(5, limits: Short));

        Assert.Equal(5, sink.Trajectories.Count);
        var bad = Assert.Single(sink.Trajectories, t => t.Termination == Termination.Errored);
        Assert.Equal("e2", bad.EpisodeId);
        Assert.Equal(boundary, bad.Error!.Boundary);
        Assert.Contains(message, bad.Error.Message);
        Assert.Equal(0, bad.TotalReward);
        Assert.Equal(4, summary.Terminations[Termination.Terminated]);
        Assert.Equal(1, summary.Errors[boundary]);
        Assert.All(created, e => Assert.True(e.Disposed));
        if (fault != Fault.ThrowOnReset) Assert.Equal(2, bad.Steps.Count); // the unanswered action is kept
    }

    [Fact]
    public async Task RunAsync_AgentThrows_ErrorsAtAgentBoundary()
    {
        var agent = new FakeAgent((turn, _) => turn.TurnIndex == 1 ? throw new InvalidOperationException("model exploded") : ValueTask.FromResult(Message.Assistant("ok")));
        var (summary, sink) = await Run(Engine(_ => new FakeEnvironment(), agent), Requests.Make(3));

        Assert.All(sink.Trajectories, t => Assert.Equal((Termination.Errored, ErrorBoundary.Agent, "model exploded"), (t.Termination, t.Error!.Boundary, t.Error.Message)));
        Assert.All(sink.Trajectories, t => Assert.Single(t.Steps));
        Assert.Equal(3, summary.Errors[ErrorBoundary.Agent]);
    }

    [Fact]
    public async Task RunAsync_AgentReturnsNull_ErrorsAtAgentBoundary()
    {
        var agent = new FakeAgent((_, _) => ValueTask.FromResult<Message>(null!));
        var (_, sink) = await Run(Engine(_ => new FakeEnvironment(), agent), Requests.Make(1));

        var t = Assert.Single(sink.Trajectories);
        Assert.Equal(ErrorBoundary.Agent, t.Error!.Boundary);
        Assert.Contains("returned no message", t.Error.Message);
    }

    [Fact]
    public async Task RunAsync_AgentReturnsGarbage_EnvironmentAnswersAndTrajectoryCountsIt()
    {
        var answers = new Queue<Message>([
            new Message { Role = Role.User, Content = "\u0000garbage" },                         // wrong role: malformed
            Message.Assistant("", new ToolCall("c1", "add", "{not json")),                          // broken tool JSON: tool error
            Message.Assistant("", new ToolCall("c2", "subtract", "{}")),                            // unknown tool: tool error
            Message.Assistant("", new ToolCall("c3", "add", """{"a": 2, "b": 3}""")) with { PolicyVersion = 4 },
            Message.Assistant("5"),
        ]);
        var agent = new FakeAgent((_, _) => ValueTask.FromResult(answers.Dequeue()));
        var (_, sink) = await Run(Engine(_ => new AdderEnvironment(), agent, concurrency: 1), [new EpisodeRequest("e", "test/adder", new FakeTask("t"), 1, "g")]);

        var t = Assert.Single(sink.Trajectories);
        Assert.Equal(Termination.Terminated, t.Termination);
        Assert.Equal(5, t.Steps.Count);
        Assert.Equal(1, t.MalformedCount);
        Assert.Equal(2, t.ToolErrorCount);
        Assert.Equal(4, t.PolicyVersion);
        Assert.Equal(1, t.TotalReward);
        Assert.Equal(new RewardContext(new FakeTask("t"), [.. t.Messages()]).AssistantTokens, t.AssistantTokens);
        Assert.True(t.AssistantTokens > 0);
    }

    [Fact]
    public async Task RunAsync_AgentContextFull_TruncatesWithContextLengthAndScores()
    {
        var agent = new FakeAgent((turn, _) => turn.TurnIndex == 2
            ? throw new ContextLengthExceededException("The conversation has 500 tokens; the policy's context is 384.")
            : ValueTask.FromResult(Message.Assistant("ok")));
        FakeEnvironment? env = null;
        var (_, sink) = await Run(Engine(_ => env = new FakeEnvironment(), agent, concurrency: 1), Requests.Make(1));

        var t = Assert.Single(sink.Trajectories);
        Assert.Equal((Termination.Truncated, "context_length"), (t.Termination, t.TruncationReason));
        Assert.Null(t.Error);
        Assert.Equal(2, t.Steps.Count);
        Assert.Equal(["context_length"], env!.Truncations);
        Assert.Equal(1.0, t.TotalReward, 9); // two steps (0.25 each) + the truncation's score (0.5)
    }

    [Fact]
    public async Task RunAsync_AgentHangsIgnoringCancellation_TruncatesWithTurnTimeout()
    {
        var agent = new FakeAgent(async (turn, _) =>
        {
            if (turn.TurnIndex == 1) await new TaskCompletionSource().Task;
            return Message.Assistant("ok");
        });
        FakeEnvironment? env = null;
        var (summary, sink) = await Run(Engine(_ => env = new FakeEnvironment(), agent, concurrency: 1), Requests.Make(1, limits: Short));

        var t = Assert.Single(sink.Trajectories);
        Assert.Equal((Termination.Truncated, "turn_timeout"), (t.Termination, t.TruncationReason));
        Assert.Equal(["turn_timeout"], env!.Truncations);
        Assert.Equal(0.75, t.TotalReward, 9); // one step (0.25) + the truncation's score (0.5)
        Assert.Equal(0.75, t.Steps[^1].Reward, 9);
        Assert.NotNull(t.Breakdown);
        Assert.Equal(1, summary.Terminations[Termination.Truncated]);
    }

    [Fact]
    public async Task RunAsync_AgentAbandonedAtTurnDeadline_ItsTokenIsCancelledWhenTheEpisodeEnds()
    {
        var abandoned = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        var agent = new FakeAgent(async (turn, ct) =>
        {
            if (turn.TurnIndex != 1) return Message.Assistant("ok");
            abandoned.SetResult(ct);
            await new TaskCompletionSource().Task; // ignores cancellation on purpose
            return Message.Assistant("never");
        });
        var (_, sink) = await Run(Engine(_ => new FakeEnvironment(), agent, concurrency: 1), Requests.Make(1, limits: Short));

        Assert.Equal("turn_timeout", Assert.Single(sink.Trajectories).TruncationReason);
        Assert.True((await abandoned.Task).IsCancellationRequested, "the abandoned turn's token is cancelled once its episode is over");
    }

    [Fact]
    public async Task RunAsync_StepsThatGoAsynchronous_EachGetsALiveTokenUnderItsDeadline()
    {
        var tokens = new List<CancellationToken>();
        var (_, sink) = await Run(Engine(_ => new YieldingEnvironment(tokens, steps: 5), FakeAgent.Ok(), concurrency: 1), Requests.Make(3, limits: Short));

        Assert.All(sink.Trajectories, t => Assert.Equal((Termination.Terminated, 5), (t.Termination, t.Steps.Count)));
        Assert.Equal(15, tokens.Count);
        Assert.All(tokens, t => Assert.True(t.CanBeCanceled));
    }

    [Fact]
    public async Task RunAsync_SynchronousAgentAndEnvironment_TheTurnSeesTheConversationAsItWasThen()
    {
        var seen = new List<IReadOnlyList<Message>>();
        var agent = new FakeAgent((turn, _) =>
        {
            seen.Add(turn.Conversation);
            return ValueTask.FromResult(Message.Assistant($"turn {turn.TurnIndex}"));
        });
        var (_, sink) = await Run(Engine(_ => new FakeEnvironment(steps: 20), agent, concurrency: 1), Requests.Make(1, limits: new EpisodeLimits { MaxTurns = 30 }));

        var t = Assert.Single(sink.Trajectories);
        Assert.Equal(20, seen.Count);
        // Each turn's conversation is the prompt and the steps before it, unchanged by the steps that came after.
        for (var turn = 0; turn < seen.Count; turn++)
        {
            Assert.Equal(2 + 2 * turn, seen[turn].Count);
            Assert.Equal(t.Prompt.Concat(t.Steps.Take(turn).SelectMany(s => s.Observation.Prepend(s.Action))), seen[turn]);
        }
    }

    /// <summary>Steps that finish after a yield (as environments waiting on I/O do), checking that their token is live.</summary>
    private sealed class YieldingEnvironment(List<CancellationToken> tokens, int steps) : FakeEnvironment(steps: steps)
    {
        public override async ValueTask<StepResult> StepAsync(Message action, CancellationToken cancellationToken)
        {
            lock (tokens) tokens.Add(cancellationToken);
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            return await base.StepAsync(action, cancellationToken);
        }
    }

    [Fact]
    public async Task RunAsync_EpisodeDeadlinePassesDuringAgentTurn_TruncatesWithEpisodeTimeout()
    {
        var limits = new EpisodeLimits { EpisodeTimeout = TimeSpan.FromMilliseconds(100) };
        var agent = new FakeAgent(async (turn, ct) =>
        {
            if (turn.TurnIndex == 1) await Task.Delay(Timeout.Infinite, ct);
            return Message.Assistant("ok");
        });
        FakeEnvironment? env = null;
        var (_, sink) = await Run(Engine(_ => env = new FakeEnvironment(), agent), Requests.Make(1, limits: limits));

        var t = Assert.Single(sink.Trajectories);
        Assert.Equal((Termination.Truncated, "episode_timeout"), (t.Termination, t.TruncationReason));
        Assert.Equal(["episode_timeout"], env!.Truncations);
    }

    [Fact]
    public async Task RunAsync_EpisodeDeadlinePassesWhileEnvironmentHangs_TruncatedUnscoredWithoutTouchingIt()
    {
        var limits = new EpisodeLimits { EpisodeTimeout = TimeSpan.FromMilliseconds(100), StepTimeout = TimeSpan.FromSeconds(30) };
        FakeEnvironment? env = null;
        var (_, sink) = await Run(Engine(_ => env = new FakeEnvironment(Fault.HangOnStep), FakeAgent.Ok()), Requests.Make(1, limits: limits));

        var t = Assert.Single(sink.Trajectories);
        Assert.Equal((Termination.Truncated, "episode_timeout"), (t.Termination, t.TruncationReason));
        Assert.Empty(env!.Truncations); // the environment is still stuck in its step: it isn't called again
        Assert.Equal(2, t.Steps.Count);  // the unanswered action is kept
        Assert.Null(t.Breakdown);
    }

    [Fact]
    public async Task RunAsync_CancelledWhileEnvironmentSteps_RecordsCancelledWithTheUnansweredAction()
    {
        using var cts = new CancellationTokenSource();
        var (summary, sink) = await Run(Engine(_ => new StepWaitsForCancellation(cts), FakeAgent.Ok()), Requests.Make(1), cts.Token);

        var t = Assert.Single(sink.Trajectories);
        Assert.Equal(Termination.Cancelled, t.Termination);
        Assert.Single(t.Steps);
        Assert.Equal(0, t.TotalReward);
        Assert.True(summary.Cancelled);
    }

    /// <summary>Cancels the run from inside its first step, then waits for the cancellation to arrive.</summary>
    private sealed class StepWaitsForCancellation(CancellationTokenSource run) : FakeEnvironment
    {
        public override async ValueTask<StepResult> StepAsync(Message action, CancellationToken cancellationToken)
        {
            run.Cancel();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }

    [Fact]
    public async Task RunAsync_MaxTurnsReachedByEnvironmentThatNeverEnds_HostTruncates()
    {
        var limits = new EpisodeLimits { MaxTurns = 2 };
        FakeEnvironment? env = null;
        var (_, sink) = await Run(Engine(_ => env = new FakeEnvironment(steps: 100), FakeAgent.Ok()), Requests.Make(1, limits: limits));

        var t = Assert.Single(sink.Trajectories);
        Assert.Equal((Termination.Truncated, "max_turns", 2), (t.Termination, t.TruncationReason, t.Steps.Count));
        Assert.Equal(["max_turns"], env!.Truncations);
    }

    [Fact]
    public async Task RunAsync_TransientAgentFaults_RetriedWithBackoffOnInjectedClock()
    {
        var time = new FakeTimeProvider();
        var failures = 0;
        var agent = new FakeAgent((_, _) => Interlocked.Increment(ref failures) <= 2 ? throw new HttpRequestException("503") : ValueTask.FromResult(Message.Assistant("ok")));
        var run = Run(Engine(_ => new FakeEnvironment(steps: 1), agent, time: time, retries: 2), Requests.Make(1));

        while (!run.IsCompleted)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(1);
        }
        var t = Assert.Single((await run).Sink.Trajectories);
        Assert.Equal(Termination.Terminated, t.Termination);
        Assert.Equal(3, agent.Calls);
        Assert.True(time.GetUtcNow() - time.Start >= TimeSpan.FromMilliseconds(200), "the retries waited on the injected clock");
    }

    [Fact]
    public async Task RunAsync_TransientAgentFaultsBeyondRetries_ErrorsAtAgentBoundary()
    {
        var agent = new FakeAgent((_, _) => throw new HttpRequestException("503"));
        var (_, sink) = await Run(Engine(_ => new FakeEnvironment(), agent, retries: 0), Requests.Make(1));

        Assert.Equal((ErrorBoundary.Agent, "HttpRequestException"), (sink.Trajectories[0].Error!.Boundary, sink.Trajectories[0].Error!.Type));
        Assert.Equal(1, agent.Calls);
    }

    [Fact]
    public async Task RunAsync_CancelledMidRun_RunningEpisodesCancelledCompletedKeptSinksCompleted()
    {
        using var cts = new CancellationTokenSource();
        var started = 0;
        var agent = new FakeAgent(async (turn, ct) =>
        {
            if (turn.Task.Id is "t0" or "t1" or "t2") return Message.Assistant("ok");
            if (turn.TurnIndex == 1 && Interlocked.Increment(ref started) == 2) cts.Cancel();
            if (turn.TurnIndex == 1) await Task.Delay(Timeout.Infinite, ct);
            return Message.Assistant("ok");
        });
        var requests = Requests.Make(3).Concat(Requests.Make(100).Skip(3)); // e0..e2 finish, e3 and e4 start and hang
        var engine = Engine(_ => new FakeEnvironment(), agent, concurrency: 2);

        var sink = new CollectingSink();
        var summary = await engine.RunAsync(requests, [sink], cts.Token);

        Assert.Equal(1, sink.Completions);
        Assert.True(summary.Cancelled);
        var done = sink.Trajectories.Where(t => t.Termination == Termination.Terminated).Select(t => t.EpisodeId).Order();
        Assert.Equal(["e0", "e1", "e2"], done);
        var cancelled = sink.Trajectories.Where(t => t.Termination == Termination.Cancelled).ToList();
        Assert.Equal(2, cancelled.Count);
        Assert.All(cancelled, t => Assert.Single(t.Steps)); // the first step; the second turn was cut off
        Assert.Equal(5, sink.Trajectories.Count);
    }

    [Fact]
    public async Task RunAsync_SlowSink_BackPressureBoundsTrajectoriesInFlight()
    {
        const int concurrency = 2, buffer = 3;
        var sink = new CollectingSink(TimeSpan.FromMilliseconds(5));
        var maxInFlight = 0;
        var startedEpisodes = 0;
        var agent = new FakeAgent((turn, _) =>
        {
            if (turn.TurnIndex == 0)
            {
                var started = Interlocked.Increment(ref startedEpisodes);
                var inFlight = started - Volatile.Read(ref sink.Received);
                InterlockedMax(ref maxInFlight, inFlight);
            }
            return ValueTask.FromResult(Message.Assistant("ok"));
        });
        var engine = Engine(_ => new FakeEnvironment(steps: 1), agent, concurrency, buffer);

        await engine.RunAsync(Requests.Make(60), [sink], CancellationToken.None);

        Assert.Equal(60, sink.Received);
        // buffered + one being written per worker + one per worker running + one in the sink's hands
        Assert.InRange(maxInFlight, 1, buffer + 2 * concurrency + 1);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current) { }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(16)]
    public async Task RunAsync_Concurrency_NeverExceededAndReached(int concurrency)
    {
        var active = 0;
        var max = 0;
        var agent = new FakeAgent(async (turn, _) =>
        {
            if (turn.TurnIndex == 0)
            {
                InterlockedMax(ref max, Interlocked.Increment(ref active));
                await Task.Delay(20);
            }
            if (turn.TurnIndex == 2) Interlocked.Decrement(ref active);
            return Message.Assistant("ok");
        });
        var (_, sink) = await Run(Engine(_ => new FakeEnvironment(), agent, concurrency), Requests.Make(concurrency * 3));

        Assert.Equal(concurrency * 3, sink.Trajectories.Count);
        Assert.Equal(concurrency, max);
    }

    [Fact]
    public async Task RunAsync_SameRequestsAndScriptedAgent_SameTrajectories()
    {
        static async Task<List<string>> Once()
        {
            var agent = new FakeAgent((turn, _) => ValueTask.FromResult(Message.Assistant($"echo {turn.Conversation[^1].Content} {turn.Context.Random.Next(100)}")));
            var (_, sink) = await Run(Engine(_ => new FakeEnvironment(), agent, concurrency: 4), Requests.Make(12));
            return [.. sink.Trajectories.OrderBy(t => t.EpisodeId, StringComparer.Ordinal)
                .Select(t => string.Join("|", t.Messages().Select(m => m.Content)) + $"#{t.TotalReward}#{t.Seed}")];
        }

        var first = await Once();
        Assert.Equal(first, await Once());
        Assert.Equal(12, first.Distinct().Count()); // seeds differ, so do episodes
    }

    [Fact]
    public async Task RunAsync_SinkThrows_OtherSinksGetEverythingAndSummaryReportsIt()
    {
        var good = new CollectingSink();
        var summary = await Engine(_ => new FakeEnvironment(), FakeAgent.Ok()).RunAsync(Requests.Make(5), [new ThrowingSink(), good], CancellationToken.None);

        Assert.Equal(5, good.Trajectories.Count);
        Assert.Equal(1, good.Completions);
        Assert.Equal(2, summary.SinkErrors.Count); // its first failure, then its completion
        Assert.Contains("ThrowingSink failed on episode", summary.SinkErrors[0]);
    }

    private sealed class ThrowingSink : ITrajectorySink
    {
        public ValueTask OnTrajectoryAsync(Trajectory trajectory, CancellationToken cancellationToken) => throw new IOException("disk full");
        public ValueTask CompleteAsync(CancellationToken cancellationToken) => throw new IOException("disk full");
    }

    [Fact]
    public async Task RunAsync_EnvironmentRequiresSandbox_AcquiresOnePerEpisodeAndDisposesIt()
    {
        var provider = new FakeSandboxProvider();
        var (_, sink) = await Run(Engine(_ => new SandboxedFakeEnvironment(), FakeAgent.Ok(), sandboxes: provider), Requests.Make(4));

        Assert.All(sink.Trajectories, t => Assert.Equal(Termination.Terminated, t.Termination));
        Assert.Equal(4, provider.Sandboxes.Count);
        Assert.All(provider.Sandboxes, s => Assert.True(s.Disposed));
    }

    [Fact]
    public async Task RunAsync_EnvironmentRequiresSandboxButNoneConfigured_ErrorsAtSandboxBoundary()
    {
        var (_, sink) = await Run(Engine(_ => new SandboxedFakeEnvironment(), FakeAgent.Ok()), Requests.Make(1));

        var t = Assert.Single(sink.Trajectories);
        Assert.Equal(ErrorBoundary.Sandbox, t.Error!.Boundary);
        Assert.Contains("needs a sandbox", t.Error.Message);
    }

    [Fact]
    public async Task RunAsync_UnknownEnvironment_ErrorsThatEpisode()
    {
        var (_, sink) = await Run(Engine(id => throw new KeyNotFoundException($"Environment `{id}` doesn't exist."), FakeAgent.Ok()), Requests.Make(2));

        Assert.All(sink.Trajectories, t => Assert.Equal((Termination.Errored, ErrorBoundary.Environment), (t.Termination, t.Error!.Boundary)));
    }

    [Fact]
    public async Task RunAsync_RequestSourceFails_DeliversWhatRanCompletesSinksThenThrows()
    {
        static IEnumerable<EpisodeRequest> Failing()
        {
            foreach (var r in Requests.Make(3)) yield return r;
            throw new FormatException("task file broke");
        }
        var sink = new CollectingSink();

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Engine(_ => new FakeEnvironment(), FakeAgent.Ok(), concurrency: 2).RunAsync(Failing(), [sink], CancellationToken.None));

        Assert.Contains("task file broke", e.Message);
        Assert.Equal(1, sink.Completions);
        Assert.All(sink.Trajectories, t => Assert.Equal(Termination.Terminated, t.Termination));
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsNamingEveryProblem()
    {
        var e = Assert.Throws<ArgumentException>(() => new RolloutEngine(new RolloutOptions { Concurrency = 0, AgentRetries = -1 }, _ => new FakeEnvironment(), FakeAgent.Ok()));
        Assert.Contains("concurrency", e.Message);
        Assert.Contains("agent_retries", e.Message);
    }

    private sealed class FakeSandboxProvider : ISandboxProvider
    {
        public List<FakeSandbox> Sandboxes { get; } = [];
        public string Backend => "fake";

        public ValueTask<ISandbox> AcquireAsync(CancellationToken cancellationToken = default)
        {
            var s = new FakeSandbox();
            lock (Sandboxes) Sandboxes.Add(s);
            return ValueTask.FromResult<ISandbox>(s);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class FakeSandbox : ISandbox
    {
        public bool Disposed { get; private set; }
        public string Backend => "fake";
        public Task WriteFileAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) => Task.CompletedTask;
        public Task<byte[]> ReadFileAsync(string path, CancellationToken cancellationToken = default) => Task.FromResult(Array.Empty<byte>());
        public Task<ExecResult> RunAsync(ExecRequest request, CancellationToken cancellationToken = default) => Task.FromResult(new ExecResult(0, "", "", TimeSpan.Zero, SandboxLimit.None));
        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}
