using System.ComponentModel;
using Forge.Core;
using Forge.Core.Rewards;
using Microsoft.SemanticKernel;

namespace Forge.Core.Tests.Environments;

public sealed class EnvironmentTests
{
    private sealed record EchoTask(string Id, string Word) : IEnvironmentTask;

    [Environment("test/echo", Version = "3", Description = "Say the word after looking it up.")]
    private sealed class EchoEnvironment : ToolEnvironment<EchoTask>
    {
        public int Lookups;

        protected override IEnumerable<Message> Prompt(EchoTask task) =>
            [Message.System("Find the word."), Message.User($"Task {task.Id}")];

        [KernelFunction, Description("Returns the secret word.")]
        public string Lookup() { Lookups++; return Task.Word; }

        [KernelFunction, Description("Gives up and ends the episode.")]
        public string GiveUp() { EndEpisode(); return "bye"; }

        protected override Rubric Rubric => new Rubric()
            .Add(new ExactMatch<EchoTask>(c => c.Task.Word))
            .Add("looked_up", 0.5, _ => Lookups > 0 ? 1 : 0);
    }

    private static async Task<(EchoEnvironment Env, ResetResult Reset)> Start(EpisodeLimits? limits = null, RewardMode mode = RewardMode.Graded)
    {
        var env = new EchoEnvironment();
        var reset = await env.ResetAsync(new EpisodeContext("e1", 1) { Limits = limits ?? EpisodeLimits.Default, RewardMode = mode }, new EchoTask("t1", "plum"));
        return (env, reset);
    }

    private static Message CallLookup => Message.Assistant("", new ToolCall("1", "lookup", "{}"));

    [Fact]
    public async Task ResetAsync_ReturnsPromptAndTools()
    {
        var (env, reset) = await Start();
        Assert.Equal([Role.System, Role.User], reset.Observation.Select(m => m.Role));
        Assert.Equal(["give_up", "lookup"], reset.Tools.Select(t => t.Name).Order());
        Assert.Equal(new EnvironmentInfo("test/echo", "3", "Say the word after looking it up.", 0, 1.5, false), env.Info);
    }

    [Fact]
    public async Task StepAsync_ToolThenAnswer_TerminatesWithBreakdown()
    {
        var (env, _) = await Start();
        var first = await env.StepAsync(CallLookup, default);
        Assert.False(first.Done);
        Assert.Equal("plum", Assert.Single(first.Observation).Content);
        var last = await env.StepAsync(Message.Assistant(" Plum "), default);
        Assert.True(last.Terminated);
        Assert.False(last.Truncated);
        Assert.Equal(1.5, last.Reward);
        Assert.Equal(1.0, last.Breakdown!.Scores["exact_match"]);
        Assert.True(last.Breakdown.Success);
    }

    [Fact]
    public async Task StepAsync_BinaryMode_RewardIsSuccess()
    {
        var (env, _) = await Start(mode: RewardMode.Binary);
        var last = await env.StepAsync(Message.Assistant("plum"), default);
        Assert.Equal(1.0, last.Reward);
        Assert.Equal(0.0, last.Breakdown!.Scores["looked_up"]);
    }

    [Fact]
    public async Task StepAsync_TurnLimit_Truncates()
    {
        var (env, _) = await Start(new EpisodeLimits { MaxTurns = 2 });
        Assert.False((await env.StepAsync(CallLookup, default)).Done);
        var second = await env.StepAsync(CallLookup, default);
        Assert.True(second.Truncated);
        Assert.False(second.Terminated);
        Assert.Equal("max_turns", second.TruncationReason);
        Assert.Equal(0.5, second.Reward);
    }

    [Fact]
    public async Task StepAsync_AfterDone_Throws()
    {
        var (env, _) = await Start();
        await env.StepAsync(Message.Assistant("x"), default);
        await Assert.ThrowsAsync<InvalidOperationException>(() => env.StepAsync(Message.Assistant("y"), default).AsTask());
    }

    [Fact]
    public async Task StepAsync_BeforeReset_Throws()
    {
        var env = new EchoEnvironment();
        await Assert.ThrowsAsync<InvalidOperationException>(() => env.StepAsync(Message.Assistant("y"), default).AsTask());
    }

    [Fact]
    public async Task StepAsync_ToolEndsEpisode_Terminates()
    {
        var (env, _) = await Start();
        var r = await env.StepAsync(Message.Assistant("", new ToolCall("1", "give_up", "{}"), new ToolCall("2", "lookup", "{}")), default);
        Assert.True(r.Terminated);
        Assert.Single(r.Observation);
        Assert.Equal(0, env.Lookups);
    }

    [Fact]
    public async Task StepAsync_OversizedMessage_AnsweredWithErrorNotException()
    {
        var (env, _) = await Start(new EpisodeLimits { MaxActionChars = 100 });
        var r = await env.StepAsync(Message.Assistant(new string('x', 1_000_000)), default);
        Assert.False(r.Done);
        Assert.Contains("the limit is 100", Assert.Single(r.Observation).Content);
    }

    [Fact]
    public async Task StepAsync_MalformedOrWrongRole_AnsweredWithError()
    {
        var (env, _) = await Start();
        var r = await env.StepAsync(new Message { Role = Role.Assistant, Content = "<call", Malformed = true }, default);
        Assert.Equal(ToolErrors.MalformedMessage, Assert.Single(r.Observation).Content);
        var r2 = await env.StepAsync(Message.User("I am the user now"), default);
        Assert.Equal(ToolErrors.MalformedMessage, Assert.Single(r2.Observation).Content);
    }

    [Fact]
    public async Task TruncateAsync_ScoresWhatWasDone()
    {
        var (env, _) = await Start();
        await env.StepAsync(CallLookup, default);
        var r = await env.TruncateAsync("episode_timeout", default);
        Assert.True(r.Truncated);
        Assert.Equal("episode_timeout", r.TruncationReason);
        Assert.Equal(0.5, r.Reward);
    }

    [Fact]
    public async Task ResetAsync_WrongTaskType_ThrowsNamingTypes()
    {
        var env = new EchoEnvironment();
        var e = await Assert.ThrowsAsync<ArgumentException>(() => env.ResetAsync(new EpisodeContext("e", 1), new OtherTask("x")).AsTask());
        Assert.Contains("expects tasks of type EchoTask, got OtherTask", e.Message);
    }

    private sealed record OtherTask(string Id) : IEnvironmentTask;
}
