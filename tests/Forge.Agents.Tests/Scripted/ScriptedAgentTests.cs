using Forge.Agents.Scripted;
using Forge.Core.Scripted;
using Forge.Core;

namespace Forge.Agents.Tests.Scripted;

public sealed class ScriptedAgentTests
{
    private sealed record OtherTask(string Id) : IEnvironmentTask;

    private sealed class EchoSolver() : ScriptedAgent<StubTask>("scripted/echo")
    {
        protected override Message Act(StubTask task, AgentTurn turn) =>
            turn.LastResultOf("lookup") is { } result ? Script.Say(result.Content) : Script.Call(turn, "lookup", new { key = task.Id });
    }

    [Fact]
    public async Task ActAsync_TypedTask_CallsThenAnswersFromTheToolResult()
    {
        var solver = new EchoSolver();
        var first = await solver.ActAsync(Turns.At(1, 0), default);
        var call = Assert.Single(first.ToolCalls);
        Assert.Equal(("call_0_0", "lookup", """{"key":"t"}"""), (call.Id, call.Name, call.ArgumentsJson));

        var turn = Turns.At(1, 0);
        var conversation = turn.Conversation.Concat([first, Message.ToolResult(call.Id, "lookup", "blue")]).ToList();
        var answer = await solver.ActAsync(turn with { Conversation = conversation }, default);
        Assert.Equal("blue", answer.Content);
        Assert.Empty(answer.ToolCalls);
    }

    [Fact]
    public async Task ActAsync_TaskOfAnotherType_ClearError()
    {
        var turn = Turns.At(1, 0) with { Task = new OtherTask("x") };
        var e = await Assert.ThrowsAsync<ArgumentException>(() => new EchoSolver().ActAsync(turn, default).AsTask());
        Assert.StartsWith("scripted/echo solves tasks of type StubTask, got OtherTask (environment `game/test`).", e.Message);
    }
}
