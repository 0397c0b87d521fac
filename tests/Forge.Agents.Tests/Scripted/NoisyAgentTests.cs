using System.Text.Json;
using Forge.Agents.Scripted;
using Forge.Core.Scripted;
using Forge.Core;

namespace Forge.Agents.Tests.Scripted;

public sealed class NoisyAgentTests
{
    private static readonly Message Answer = Message.Assistant("Answer: 42");
    private static readonly Message Lookup = Message.Assistant("", new ToolCall("call_0_0", "lookup", """{"key":"K3"}"""));

    private static async Task<double> MistakeRate(double errorRate, Message inner, int seeds, int turns)
    {
        var agent = new NoisyAgent(Turns.Fixed(inner), errorRate);
        var changed = 0;
        for (var seed = 0; seed < seeds; seed++)
            for (var turn = 0; turn < turns; turn++)
                if (await agent.ActAsync(Turns.At(seed, turn), default) != inner) changed++;
        return changed / (double)(seeds * turns);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.3)]
    [InlineData(0.5)]
    public async Task ActAsync_ManyTurns_MistakeRateCloseToConfigured(double errorRate)
    {
        // 4000 turns: the binomial standard deviation is at most 0.008, so ±0.03 is beyond 3.5 sigma.
        Assert.InRange(await MistakeRate(errorRate, Answer, 400, 10), errorRate - 0.03, errorRate + 0.03);
        Assert.InRange(await MistakeRate(errorRate, Lookup, 400, 10), errorRate - 0.03, errorRate + 0.03);
    }

    [Fact]
    public async Task ActAsync_RateZeroOrOne_NeverOrAlways()
    {
        Assert.Equal(0, await MistakeRate(0, Answer, 50, 4));
        Assert.Equal(1, await MistakeRate(1, Answer, 50, 4));
        Assert.Equal(1, await MistakeRate(1, Lookup, 50, 4));
    }

    [Fact]
    public async Task ActAsync_SameSeedAndTurn_SameMessage()
    {
        var agent = new NoisyAgent(Turns.Fixed(Lookup), 0.5);
        for (var seed = 0; seed < 30; seed++)
            Assert.Equal(JsonSerializer.Serialize(await agent.ActAsync(Turns.At(seed, 2), default)), JsonSerializer.Serialize(await agent.ActAsync(Turns.At(seed, 2), default)));
    }

    [Fact]
    public async Task ActAsync_AlwaysWrong_MakesEveryKindOfPlausibleMistake()
    {
        var agent = new NoisyAgent(Turns.Fixed(Lookup), 1);
        var seen = new HashSet<string>();
        for (var seed = 0; seed < 60; seed++)
        {
            var m = await agent.ActAsync(Turns.At(seed, 0), default);
            if (m.Malformed) { seen.Add("malformed"); Assert.Empty(m.ToolCalls); continue; }
            var call = Assert.Single(m.ToolCalls);
            if (call.Name != "lookup") { seen.Add("unknown"); Assert.DoesNotContain(Turns.Tools, t => t.Name == call.Name); continue; }
            seen.Add("arguments");
            Assert.NotEqual("K3", JsonDocument.Parse(call.ArgumentsJson).RootElement.GetProperty("key").GetString());
        }
        Assert.Equal(["arguments", "malformed", "unknown"], seen.Order());
    }

    [Theory]
    [InlineData("Answer: 42")]
    [InlineData("red")]
    [InlineData("unknown")]
    [InlineData("")]
    public void Apply_WrongAnswer_AlwaysDiffers(string content)
    {
        var wrong = NoisyAgent.Apply(Mistake.WrongAnswer, Message.Assistant(content), Turns.At(1, 0), new Random(1));
        Assert.NotEqual(content, wrong.Content);
        Assert.False(wrong.Malformed);
    }

    [Fact]
    public void Constructor_RateOutsideZeroToOne_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NoisyAgent(Turns.Fixed(Answer), 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NoisyAgent(Turns.Fixed(Answer), double.NaN));
        Assert.Equal("noisy(stub, 0.25)", new NoisyAgent(Turns.Fixed(Answer), 0.25).Id);
    }
}
