using Forge.Agents.Scripted;
using Forge.Core.Scripted;
using Forge.Core;

namespace Forge.Agents.Tests.Scripted;

public sealed class RoutingAgentTests
{
    [Fact]
    public async Task ActAsync_KnownEnvironment_UsesItsAgent()
    {
        var agent = new RoutingAgent(new Dictionary<string, IAgent>
        {
            ["math/arithmetic"] = Turns.Fixed(Message.Assistant("Answer: 4"), "scripted/math"),
            ["game/vault"] = Turns.Fixed(Message.Assistant("red"), "scripted/vault"),
        });
        Assert.Equal("Answer: 4", (await agent.ActAsync(Turns.At(1, 0, "math/arithmetic"), default)).Content);
        Assert.Equal("red", (await agent.ActAsync(Turns.At(1, 0, "game/vault"), default)).Content);
        Assert.Equal("scripted", agent.Id);
    }

    [Fact]
    public async Task ActAsync_EnvironmentWithoutAgent_ClearError()
    {
        var agent = new RoutingAgent(new Dictionary<string, IAgent> { ["b/two"] = Turns.Fixed(Message.Assistant("")), ["a/one"] = Turns.Fixed(Message.Assistant("")) });
        var e = await Assert.ThrowsAsync<KeyNotFoundException>(() => agent.ActAsync(Turns.At(1, 0, "math/x"), default).AsTask());
        Assert.Equal("No agent is registered for environment `math/x`; agents exist for: a/one, b/two.", e.Message);
    }
}
