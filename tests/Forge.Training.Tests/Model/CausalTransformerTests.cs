using Forge.Training.Model;
using TorchSharp;

namespace Forge.Training.Tests.Model;

public sealed class CausalTransformerTests
{
    [Theory]
    [InlineData(MlpKind.SwiGlu, true)]
    [InlineData(MlpKind.Gelu, false)]
    public void Forward_Ids_ReturnsLogitsPerPosition(MlpKind mlp, bool tie)
    {
        using var model = TinyModels.Create(TinyModels.Config(mlp: mlp, tie: tie));
        using var ids = torch.randint(0, 40, [3, 7], dtype: torch.int64);
        using var logits = model.call(ids);
        Assert.Equal(new long[] { 3, 7, 40 }, logits.shape);
        Assert.False(logits.isnan().any().item<bool>());
    }

    [Fact]
    public void ParameterCount_MatchesModuleParameters()
    {
        foreach (var config in new[] { TinyModels.Config(), TinyModels.Config(mlp: MlpKind.Gelu, tie: false) })
        {
            using var model = new CausalTransformer(config);
            Assert.Equal(config.ParameterCount, model.parameters().Sum(p => p.numel()));
        }
    }

    [Fact]
    public void Forward_IsCausal_FutureTokensDoNotChangeEarlierLogits()
    {
        using var model = TinyModels.Create();
        model.eval();
        using var a = torch.tensor(new long[] { 1, 2, 3, 4, 5 }).unsqueeze(0);
        using var b = torch.tensor(new long[] { 1, 2, 3, 9, 9 }).unsqueeze(0);
        using var la = model.call(a);
        using var lb = model.call(b);
        Assert.True(la.narrow(1, 0, 3).allclose(lb.narrow(1, 0, 3), rtol: 0, atol: 1e-6));
        Assert.False(la.narrow(1, 3, 1).allclose(lb.narrow(1, 3, 1), rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void Forward_WithCache_MatchesFullForward()
    {
        using var model = TinyModels.Create();
        model.eval();
        using var _ = torch.no_grad();
        using var ids = torch.tensor(new long[] { 3, 1, 4, 1, 5, 9, 2, 6 }).unsqueeze(0);
        using var full = model.call(ids);
        using var cache = new KvCache(model.Config, 1, 8, torch.CPU);
        using var first = model.Forward(ids.narrow(1, 0, 5), cache);   // chunked prefill
        using var second = model.Forward(ids.narrow(1, 5, 2), cache);  // chunk after a cached prefix (explicit mask)
        using var third = model.Forward(ids.narrow(1, 7, 1), cache);   // single-token decode
        using var stitched = torch.cat([first, second, third], 1);
        Assert.True(full.allclose(stitched, rtol: 0, atol: 1e-5));
        Assert.Equal(8, cache.Length);
    }

    [Fact]
    public void Forward_LeftPadded_MatchesUnpaddedRow()
    {
        using var model = TinyModels.Create();
        model.eval();
        using var _ = torch.no_grad();
        using var alone = model.call(torch.tensor(new long[] { 7, 8, 9 }).unsqueeze(0));
        using var padded = torch.tensor(new long[] { 0, 0, 7, 8, 9 }).unsqueeze(0);
        using var mask = torch.tensor(new[] { false, false, true, true, true }).unsqueeze(0);
        using var logits = model.Forward(padded, keyMask: mask);
        Assert.True(alone.allclose(logits.narrow(1, 2, 3), rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void Constructor_Seed_GivesSameWeightsRegardlessOfGlobalRng()
    {
        torch.manual_seed(1);
        using var a = new CausalTransformer(TinyModels.Config(), seed: 9);
        torch.manual_seed(2);
        using var b = new CausalTransformer(TinyModels.Config(), seed: 9);
        using var c = new CausalTransformer(TinyModels.Config(), seed: 10);
        var (wa, wb, wc) = (a.state_dict(), b.state_dict(), c.state_dict());
        Assert.All(wa.Keys, k => Assert.True(TensorAssert.Same(wa[k], wb[k]), k));
        Assert.False(TensorAssert.Same(wa["embedding.weight"], wc["embedding.weight"]));
    }

    [Fact]
    public void StateDict_HoldsNoCacheOrRotaryBuffers()
    {
        using var model = TinyModels.Create();
        Assert.All(model.state_dict().Keys, key => Assert.EndsWith(".weight", key));
        Assert.Empty(model.buffers());
    }

    [Fact]
    public void Constructor_InvalidConfig_ReportsAllProblems()
    {
        var error = Assert.Throws<ArgumentException>(() => new TransformerConfig { DModel = 30, Heads = 4, Layers = 0, Dropout = 1.5 }.Validate());
        Assert.Contains("divisible", error.Message);
        Assert.Contains("layers", error.Message);
        Assert.Contains("dropout", error.Message);
    }
}

public sealed class CausalTransformerCopyTests
{
    [Fact]
    public void Clone_HasSameOutputsAndIndependentWeights()
    {
        using var model = TinyModels.Create();
        using var copy = model.Clone();
        using var ids = torch.tensor(new long[] { 1, 2, 3 }).unsqueeze(0);
        using (var a = model.call(ids))
        using (var b = copy.call(ids))
            Assert.True(TensorAssert.Same(a, b));
        using (torch.no_grad())
            model.parameters().First().add_(1.0);
        Assert.False(TensorAssert.Same(model.parameters().First(), copy.parameters().First()));
        copy.CopyWeightsFrom(model);
        Assert.True(TensorAssert.Same(model.parameters().First(), copy.parameters().First()));
    }

    [Fact]
    public void CopyWeightsFrom_DifferentConfig_Throws()
    {
        using var a = TinyModels.Create();
        using var b = TinyModels.Create(TinyModels.Config(vocab: 50));
        Assert.Throws<ArgumentException>(() => a.CopyWeightsFrom(b));
    }
}

public sealed class CausalTransformerDtypeTests
{
    [Fact]
    public void Generate_Float64Model_UsesCacheOfTheModelsDtype()
    {
        using var model = TinyModels.Create();
        model.to(torch.float64);
        Assert.Equal(torch.float64, model.DType);
        var greedy = Forge.Training.Generation.Generator.Generate(model, [new([1, 2, 3])], new() { Temperature = 0, MaxNewTokens = 5 })[0];
        Assert.Equal(5, greedy.Tokens.Count);
    }
}
