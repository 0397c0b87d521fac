using Forge.Core;
using Forge.Host.Checking;
using Forge.Host.Tests.Registry.Fixtures;

namespace Forge.Host.Tests.Checking;

public sealed class ProbeAgentTests
{
    private static readonly ToolSpec Spell = new("spell", "Spells a word.", """{ "type": "object", "properties": { "word": { "type": "string" } }, "required": ["word"] }""");

    private static AgentTurn Turn(int seed, int assistantMessages, EpisodeLimits? limits = null, params ToolSpec[] tools)
    {
        var conversation = new List<Message> { Message.User("hi") };
        for (var i = 0; i < assistantMessages; i++) conversation.Add(Message.Assistant("…"));
        return new AgentTurn("test/echo", new EchoTask("a", "apple"), conversation, tools, new EpisodeContext("e", seed) { Limits = limits ?? EpisodeLimits.Default });
    }

    [Fact]
    public async Task ActAsync_SameSeedTaskAndTurn_SendsTheSameMessage()
    {
        var probe = new ProbeAgent();
        for (var seed = 0; seed < 20; seed++)
        {
            var a = await probe.ActAsync(Turn(seed, 1, tools: Spell), default);
            var b = await probe.ActAsync(Turn(seed, 1, tools: Spell), default);
            Assert.Equal(a.Content, b.Content);
            Assert.Equal(a.ToolCalls, b.ToolCalls);
        }
    }

    [Fact]
    public async Task ActAsync_EarlyTurnsWithTools_MostlyCallTheTools()
    {
        var probe = new ProbeAgent();
        var calls = 0;
        for (var seed = 0; seed < 40; seed++)
        {
            var message = await probe.ActAsync(Turn(seed, 0, tools: Spell), default);
            if (message.ToolCalls.Count > 0)
            {
                calls++;
                Assert.All(message.ToolCalls, c => Assert.Equal("spell", c.Name));
            }
        }
        Assert.InRange(calls, 20, 40);
    }

    [Fact]
    public async Task ActAsync_LastTurnBeforeTheLimit_Answers()
    {
        var probe = new ProbeAgent();
        var limits = new EpisodeLimits { MaxTurns = 2 };

        for (var seed = 0; seed < 20; seed++)
        {
            Assert.Empty((await probe.ActAsync(Turn(seed, 1, limits, Spell), default)).ToolCalls);
            Assert.Empty((await probe.ActAsync(Turn(seed, ProbeAgent.ToolTurns, tools: Spell), default)).ToolCalls);
            Assert.Empty((await probe.ActAsync(Turn(seed, 0), default)).ToolCalls);
        }
    }

    [Fact]
    public void StableHash_IsTheSameInEveryProcess() =>
        Assert.Equal(-716347427, ProbeAgent.StableHash(1, "task", 2));
}
