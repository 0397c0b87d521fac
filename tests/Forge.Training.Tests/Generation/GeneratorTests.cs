using Forge.Training.Generation;
using TorchSharp;

namespace Forge.Training.Tests.Generation;

public sealed class GeneratorTests
{
    [Fact]
    public void Generate_Greedy_CachedEqualsUncached()
    {
        using var model = TinyModels.Create();
        int[][] prompts = [[1, 2, 3], [5], [7, 8, 9, 10, 11]];
        var results = Generator.Generate(model, [.. prompts.Select(p => new GenerationRequest(p))], new SamplingOptions { Temperature = 0, MaxNewTokens = 12 });
        for (var i = 0; i < prompts.Length; i++)
            Assert.Equal(UncachedGreedy(model, prompts[i], 12), results[i].Tokens);
    }

    [Fact]
    public void Generate_Sampled_LogProbsEqualRecomputed()
    {
        using var model = TinyModels.Create();
        int[][] prompts = [[1, 2, 3, 4], [5], [6, 7]];
        foreach (var (temperature, topP) in new[] { (1.0, 1.0), (0.7, 0.9), (1.3, 1.0) })
        {
            var options = new SamplingOptions { Temperature = temperature, TopP = topP, MaxNewTokens = 10, Seed = 3 };
            var results = Generator.Generate(model, [.. prompts.Select(p => new GenerationRequest(p))], options);
            var sequences = prompts.Select((p, i) => (IReadOnlyList<int>)[.. p, .. results[i].Tokens]).ToList();
            var recomputed = LogProbs.ForSequences(model, sequences, temperature);
            for (var i = 0; i < prompts.Length; i++)
            {
                var tail = recomputed[i].Skip(prompts[i].Length - 1).ToArray();
                Assert.Equal(results[i].LogProbs.Count, tail.Length);
                for (var t = 0; t < tail.Length; t++)
                    Assert.True(Math.Abs(tail[t] - results[i].LogProbs[t]) < 1e-4, $"row {i} token {t}: {tail[t]} vs {results[i].LogProbs[t]}");
            }
        }
    }

    [Fact]
    public void Generate_SameSeed_SameTokens_DifferentSeed_DifferentTokens()
    {
        using var model = TinyModels.Create();
        GenerationRequest[] requests = [new([1, 2]), new([3])];
        IReadOnlyList<int>[] Run(long seed) => [.. Generator.Generate(model, requests, new SamplingOptions { MaxNewTokens = 16, Seed = seed }).Select(r => r.Tokens)];
        Assert.Equal(Run(11), Run(11));
        Assert.NotEqual(Run(11), Run(12));
    }

    [Fact]
    public void Generate_SeededRow_SameSampledTokensAloneAndInABatch()
    {
        using var model = TinyModels.Create();
        var options = new SamplingOptions { Temperature = 1.0, TopP = 0.9, MaxNewTokens = 12, Seed = 3 };
        var alone = Generator.Generate(model, [new GenerationRequest([4, 5, 6], Seed: 42)], options)[0];
        var batched = Generator.Generate(model, [new GenerationRequest([1]), new GenerationRequest([4, 5, 6], Seed: 42), new GenerationRequest([7, 7, 7, 7])], options with { Seed = 99 })[1];
        Assert.Equal(alone.Tokens, batched.Tokens);
        Assert.NotEqual(alone.Tokens, Generator.Generate(model, [new GenerationRequest([4, 5, 6], Seed: 43)], options)[0].Tokens);
    }

    [Fact]
    public void Generate_RowIndependentOfBatch()
    {
        using var model = TinyModels.Create();
        var options = new SamplingOptions { Temperature = 0, MaxNewTokens = 8 };
        var alone = Generator.Generate(model, [new GenerationRequest([4, 5, 6])], options)[0];
        var batched = Generator.Generate(model, [new GenerationRequest([1]), new GenerationRequest([4, 5, 6]), new GenerationRequest([1, 2, 3, 4, 5, 6, 7])], options)[1];
        Assert.Equal(alone.Tokens, batched.Tokens);
        for (var t = 0; t < alone.LogProbs.Count; t++)
            Assert.Equal(alone.LogProbs[t], batched.LogProbs[t], 1e-4);
    }

    [Fact]
    public void Generate_StopTokensPerRow_EndRowAndAreIncluded()
    {
        using var model = TinyModels.Create();
        var options = new SamplingOptions { Temperature = 0, MaxNewTokens = 12 };
        var free = Generator.Generate(model, [new GenerationRequest([1, 2, 3])], options)[0];
        var stopAt = free.Tokens[3];
        var firstIndex = free.Tokens.ToList().IndexOf(stopAt);
        var results = Generator.Generate(model, [new GenerationRequest([1, 2, 3], [stopAt]), new GenerationRequest([1, 2, 3])], options);
        Assert.Equal(free.Tokens.Take(firstIndex + 1), results[0].Tokens);
        Assert.Equal(FinishReason.Stop, results[0].FinishReason);
        Assert.Equal(free.Tokens, results[1].Tokens);
        Assert.Equal(FinishReason.Length, results[1].FinishReason);
    }

    [Fact]
    public void Generate_PerRowBudgetAndMaxSeqLen_CapLength()
    {
        using var model = TinyModels.Create(); // max_seq_len 64
        var results = Generator.Generate(model,
            [new GenerationRequest([1], MaxNewTokens: 3), new GenerationRequest([.. Enumerable.Repeat(2, 60)])],
            new SamplingOptions { MaxNewTokens = 20 });
        Assert.Equal(3, results[0].Tokens.Count);
        Assert.Equal(4, results[1].Tokens.Count);
        Assert.All(results, r => Assert.Equal(FinishReason.Length, r.FinishReason));
    }

    [Fact]
    public void Generate_LongAndShortPromptsTogether_EachRowGetsItsOwnRoom()
    {
        using var model = TinyModels.Create(); // max_seq_len 64: the padded batch is 60 + 20 wide
        var results = Generator.Generate(model,
            [new GenerationRequest([.. Enumerable.Repeat(2, 60)]), new GenerationRequest([1])],
            new SamplingOptions { MaxNewTokens = 20 });
        Assert.Equal(4, results[0].Tokens.Count);
        Assert.Equal(20, results[1].Tokens.Count);
    }

    [Fact]
    public void Generate_TopPTiny_IsGreedy()
    {
        using var model = TinyModels.Create();
        var greedy = Generator.Generate(model, [new GenerationRequest([1, 2])], new SamplingOptions { Temperature = 0, MaxNewTokens = 10 })[0];
        var nucleus = Generator.Generate(model, [new GenerationRequest([1, 2])], new SamplingOptions { Temperature = 1, TopP = 1e-6, MaxNewTokens = 10, Seed = 5 })[0];
        Assert.Equal(greedy.Tokens, nucleus.Tokens);
    }

    [Fact]
    public void Generate_BadRequests_ThrowClearErrors()
    {
        using var model = TinyModels.Create();
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => Generator.Generate(model, [new GenerationRequest([])], new SamplingOptions())).Message);
        Assert.Contains("vocabulary", Assert.Throws<ArgumentException>(() => Generator.Generate(model, [new GenerationRequest([999])], new SamplingOptions())).Message);
        Assert.Contains("top_p", Assert.Throws<ArgumentException>(() => Generator.Generate(model, [new GenerationRequest([1])], new SamplingOptions { TopP = 0 })).Message);
    }

    private static List<int> UncachedGreedy(Forge.Training.Model.CausalTransformer model, int[] prompt, int steps)
    {
        model.eval();
        using var _ = torch.no_grad();
        var sequence = prompt.ToList();
        var generated = new List<int>();
        for (var i = 0; i < steps; i++)
        {
            using var ids = torch.tensor(sequence.Select(x => (long)x).ToArray()).unsqueeze(0);
            using var logits = model.call(ids);
            var next = (int)logits[0, -1].argmax().item<long>();
            sequence.Add(next);
            generated.Add(next);
        }
        return generated;
    }
}

public sealed class LogProbsTests
{
    [Fact]
    public void ComputeWithEntropy_MatchesComputeAndSamplingEntropy()
    {
        using var model = TinyModels.Create();
        using var ids = torch.tensor(new long[] { 1, 2, 3, 4, 5, 6, 7, 8 }).reshape(2, 4);
        using var expected = LogProbs.Compute(model, ids, 0.8);
        var (logp, entropy) = LogProbs.ComputeWithEntropy(model, ids, 0.8);
        using (logp)
        using (entropy)
        {
            Assert.True(logp.allclose(expected, rtol: 0, atol: 1e-6));
            using var logits = model.call(ids.narrow(1, 0, 3));
            using var direct = Sampling.Entropy(logits, 0.8);
            Assert.True(entropy.allclose(direct, rtol: 0, atol: 1e-5));
            Assert.True(logp.requires_grad);
        }
    }

    [Fact]
    public void Compute_TemperatureDividesLogits()
    {
        using var model = TinyModels.Create();
        using var ids = torch.tensor(new long[] { 3, 1, 4, 1, 5 }).unsqueeze(0);
        using var logits = model.call(ids.narrow(1, 0, 4));
        using var manual = (logits / 0.5).log_softmax(-1).gather(-1, ids.narrow(1, 1, 4).unsqueeze(-1)).squeeze(-1);
        using var computed = LogProbs.Compute(model, ids, 0.5);
        Assert.True(computed.allclose(manual, rtol: 0, atol: 1e-6));
    }
}
