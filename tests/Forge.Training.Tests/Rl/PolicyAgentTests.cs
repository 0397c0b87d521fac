using Forge.Agents.ChatFormat;
using Forge.Core;
using Forge.Training.Model;
using Forge.Training.Rl;
using Forge.Training.Tokenization;

namespace Forge.Training.Tests.Rl;

public sealed class PolicyAgentTests
{
    private static readonly ByteTokenizer Tokenizer = new(ChatMarkers.All);
    private static readonly ConversationEncoder Encoder = ConversationEncoder.For(Tokenizer, new ChatTemplate { ToolDescriptions = false });
    private static readonly IReadOnlyList<ToolSpec> Tools =
        [new("lookup", "Look up a key.", """{"type":"object","properties":{"key":{"type":"string"}},"required":["key"]}""")];

    private static CausalTransformer Model() =>
        new(new TransformerConfig { VocabSize = Tokenizer.VocabSize, DModel = 32, Layers = 1, Heads = 2, MaxSeqLen = 128 }, seed: 4);

    private static AgentTurn Turn(int i) => new("game/vault", new Forge.Environments.Vault.VaultTask($"t{i}", "K1"),
        [Message.System("rules"), Message.User($"Open vault K{i}.")], Tools, new EpisodeContext($"e{i}", i));

    [Fact]
    public async Task ActAsync_ConcurrentEpisodes_GeneratedInSharedBatchesWithRecordedTokens()
    {
        using var model = Model();
        var options = new TrainerOptions { MaxNewTokens = 6, GenerationBatch = 16, GenerationWindowMs = 50 };
        await using var agent = new PolicyAgent(model, Tokenizer, Encoder, options, seed: 1, version: 7);
        var messages = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => agent.ActAsync(Turn(i), CancellationToken.None).AsTask()));

        var (batches, rows) = agent.BatchCounts;
        Assert.Equal(12, rows);
        Assert.True(batches < 12, $"12 concurrent requests took {batches} batches");
        foreach (var m in messages)
        {
            Assert.Equal(Role.Assistant, m.Role);
            Assert.Equal(7, m.PolicyVersion);
            Assert.InRange(m.TokenIds!.Count, 1, 6);
            Assert.Equal(m.TokenIds.Count, m.LogProbs!.Count);
            Assert.All(m.LogProbs, lp => Assert.True(lp <= 0));
        }
    }

    [Fact]
    public async Task LoadWeightsAsync_NewVersion_TagsLaterMessages()
    {
        using var model = Model();
        await using var agent = new PolicyAgent(model, Tokenizer, Encoder, new TrainerOptions { MaxNewTokens = 2 }, seed: 1);
        Assert.Equal(0, (await agent.ActAsync(Turn(1), CancellationToken.None)).PolicyVersion);
        using var trained = Model();
        await agent.LoadWeightsAsync(trained, 5);
        Assert.Equal(5, (await agent.ActAsync(Turn(1), CancellationToken.None)).PolicyVersion);
    }

    [Fact]
    public async Task LoadWeightsAsync_TrainedModel_GenerationUsesItsWeights()
    {
        using var model = Model();
        var options = new TrainerOptions { MaxNewTokens = 4, Temperature = 1e-3 };
        await using var agent = new PolicyAgent(model, Tokenizer, Encoder, options, seed: 1);
        await using var reference = new PolicyAgent(model, Tokenizer, Encoder, options, seed: 1);
        using var other = new CausalTransformer(model.Config, seed: 99);
        var before = await agent.ActAsync(Turn(2), CancellationToken.None);
        Assert.Equal(before.TokenIds, (await reference.ActAsync(Turn(2), CancellationToken.None)).TokenIds);
        await agent.LoadWeightsAsync(other, 1);
        await using var direct = new PolicyAgent(other, Tokenizer, Encoder, options, seed: 1);
        Assert.Equal((await direct.ActAsync(Turn(2), CancellationToken.None)).LogProbs, (await agent.ActAsync(Turn(2), CancellationToken.None)).LogProbs);
    }

    [Fact]
    public async Task ActAsync_PromptLongerThanContext_ThrowsContextLengthExceeded()
    {
        using var model = Model();
        await using var agent = new PolicyAgent(model, Tokenizer, Encoder, new TrainerOptions(), seed: 1);
        var turn = Turn(1) with { Conversation = [Message.User(new string('x', 200))] };
        var error = await Assert.ThrowsAsync<ContextLengthExceededException>(async () => await agent.ActAsync(turn, CancellationToken.None));
        Assert.Contains("max_seq_len", error.Message);
    }
}
