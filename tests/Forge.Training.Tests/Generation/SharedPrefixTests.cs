using Forge.Training.Generation;
using TorchSharp;

namespace Forge.Training.Tests.Generation;

/// <summary>
/// The prefix every prompt of a batch shares is run once and its keys and values copied into every row: what each row
/// generates, and the log-probs it records, are those of the row generated alone or with the whole prompt prefilled.
/// </summary>
public sealed class SharedPrefixTests
{
    // Three agent-like turns: a common "system prompt" of 12 tokens, then each row's own tokens (1, 4 and 7 of them).
    private static readonly int[] System = [3, 9, 4, 17, 22, 5, 5, 30, 1, 8, 12, 2];
    private static readonly int[][] Prompts = [[.. System, 6], [.. System, 7, 8, 9, 10], [.. System, 11, 13, 14, 15, 16, 18, 19]];

    [Theory]
    [InlineData(new[] { 1, 2, 3, 4 }, new[] { 1, 2, 5 }, 2)]
    [InlineData(new[] { 1, 2, 3 }, new[] { 1, 2, 3 }, 2)]      // one short of the shortest: every row prefills a token of its own
    [InlineData(new[] { 1, 2, 3 }, new[] { 1, 2, 3, 4, 5 }, 2)]
    [InlineData(new[] { 1 }, new[] { 1, 2 }, 0)]
    [InlineData(new[] { 4, 2 }, new[] { 1, 2 }, 0)]
    public void SharedPrefixLength_HandCases(int[] a, int[] b, int expected) =>
        Assert.Equal(expected, Generator.SharedPrefixLength([new GenerationRequest(a), new GenerationRequest(b)]));

    [Fact]
    public void SharedPrefixLength_OneRequestOrAThirdThatDiffers()
    {
        Assert.Equal(0, Generator.SharedPrefixLength([new GenerationRequest([1, 2, 3, 4])]));
        Assert.Equal(1, Generator.SharedPrefixLength([new GenerationRequest([1, 2, 3, 4]), new GenerationRequest([1, 2, 3]), new GenerationRequest([1, 5, 3])]));
        Assert.Equal(12, Generator.SharedPrefixLength([.. Prompts.Select(p => new GenerationRequest(p))]));
    }

    [Fact]
    public void Generate_SharedPrefix_GreedyRowsEqualEachRowAlone()
    {
        using var model = TinyModels.Create();
        var options = new SamplingOptions { Temperature = 0, MaxNewTokens = 10 };
        var batched = Generator.Generate(model, [.. Prompts.Select(p => new GenerationRequest(p))], options);
        for (var i = 0; i < Prompts.Length; i++)
        {
            var alone = Generator.Generate(model, [new GenerationRequest(Prompts[i])], options)[0];
            Assert.Equal(alone.Tokens, batched[i].Tokens);
            for (var t = 0; t < alone.LogProbs.Count; t++)
                Assert.Equal(alone.LogProbs[t], batched[i].LogProbs[t], 1e-4);
        }
    }

    [Fact]
    public void Generate_SharedPrefix_SampledSameAsWholePromptPrefilled_LogProbsEqualRecomputed()
    {
        using var model = TinyModels.Create();
        var requests = Prompts.Select(p => new GenerationRequest(p, [0, 1])).ToList();
        var options = new SamplingOptions { Temperature = 0.9, TopP = 0.95, MaxNewTokens = 12 };
        IReadOnlyList<GenerationResult> Run(bool share)
        {
            using var rng = new torch.Generator(7);
            return Generator.Generate(model, requests, options, rng, stopCheckInterval: 1, sharePrefix: share);
        }

        var shared = Run(share: true);
        var whole = Run(share: false);
        var sequences = Prompts.Select((p, i) => (IReadOnlyList<int>)[.. p, .. shared[i].Tokens]).ToList();
        var recomputed = LogProbs.ForSequences(model, sequences, options.Temperature);
        for (var i = 0; i < Prompts.Length; i++)
        {
            Assert.Equal(whole[i].Tokens, shared[i].Tokens);
            Assert.Equal(whole[i].FinishReason, shared[i].FinishReason);
            var tail = recomputed[i].Skip(Prompts[i].Length - 1).ToArray();
            for (var t = 0; t < shared[i].LogProbs.Count; t++)
            {
                Assert.Equal(whole[i].LogProbs[t], shared[i].LogProbs[t], 1e-4);
                Assert.Equal(tail[t], shared[i].LogProbs[t], 1e-4);
            }
        }
    }
}
