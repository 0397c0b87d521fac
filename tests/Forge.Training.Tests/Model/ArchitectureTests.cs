using Forge.Training.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Training.Tests.Model;

/// <summary>Grouped-query attention, biases, q/k norm, explicit sizes and rope scaling against independent computations.</summary>
public sealed class ArchitectureTests
{
    private static readonly long[] Ids = [3, 1, 4, 1, 5, 9, 2, 6];

    internal static TransformerConfig Qwen3Like(bool tie = true) => new()
    {
        VocabSize = 48, DModel = 32, Layers = 2, Heads = 4, KvHeads = 2, HeadSize = 16, FfHiddenSize = 40,
        MaxSeqLen = 64, QkNorm = true, TieEmbeddings = tie, NormEps = 1e-6, RopeTheta = 1_000_000,
    };

    internal static TransformerConfig Qwen2Like() => new()
    {
        VocabSize = 48, DModel = 32, Layers = 2, Heads = 4, KvHeads = 1, FfHiddenSize = 56, MaxSeqLen = 64,
        QkvBias = true, TieEmbeddings = false,
    };

    internal static TransformerConfig Llama3Like() => new()
    {
        VocabSize = 48, DModel = 32, Layers = 2, Heads = 4, KvHeads = 2, FfHiddenSize = 48, MaxSeqLen = 64,
        RopeTheta = 500_000, TieEmbeddings = false, QkvBias = true, OutputBias = true, MlpBias = true,
        RopeScaling = new RopeScaling { Kind = RopeScalingKind.Llama3, Factor = 8, LowFreqFactor = 1, HighFreqFactor = 4, OriginalMaxPositions = 16 },
    };

    public static TheoryData<string> Configs => ["qwen3", "qwen2", "llama3"];

    internal static TransformerConfig Named(string name) => name switch
    {
        "qwen3" => Qwen3Like(),
        "qwen2" => Qwen2Like(),
        "llama3" => Llama3Like(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    /// <summary>Random weights everywhere, norms and biases included, so that none of them is a no-op.</summary>
    internal static CausalTransformer Randomised(TransformerConfig config, long seed = 3)
    {
        var model = new CausalTransformer(config, seed);
        using var generator = new Generator((ulong)seed + 100);
        using var _ = no_grad();
        foreach (var (name, p) in model.named_parameters())
            if (name.EndsWith("Norm.weight", StringComparison.Ordinal) || name == "norm.weight" || name.EndsWith(".bias", StringComparison.Ordinal))
                p.copy_(rand(p.shape, generator: generator) * 0.5 + (name.EndsWith(".bias", StringComparison.Ordinal) ? -0.25 : 0.75));
        model.eval();
        return model;
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void Forward_MatchesFloat64ReferenceImplementation(string name)
    {
        using var model = Randomised(Named(name));
        using var _ = no_grad();
        using var logits = model.call(tensor(Ids).unsqueeze(0))[0].to(float64); // [T, V]
        using var expected = ReferenceTransformer.Logits(model, Ids);
        var diff = (logits - expected).abs().max().item<double>();
        Assert.True(diff < 1e-4, $"max |logit − reference| = {diff}");
    }

    [Fact]
    public void GroupedQueryAttention_EqualsMultiHeadWithDuplicatedKeyValueWeights()
    {
        var gqaConfig = Qwen2Like() with { KvHeads = 2 };
        using var gqa = Randomised(gqaConfig);
        using var mha = new CausalTransformer(gqaConfig with { KvHeads = null }, seed: 1);
        var hd = gqaConfig.HeadDim;
        using (no_grad())
        {
            var source = gqa.state_dict();
            foreach (var (name, p) in mha.named_parameters())
            {
                var w = source[name];
                if (name.Contains(".attention.key.") || name.Contains(".attention.value."))
                    w = w.view([2, hd, .. w.shape.Skip(1)]).repeat_interleave(2, dim: 0).reshape(p.shape); // each kv head → 2 query heads
                p.copy_(w);
            }
        }
        mha.eval();
        using var _ = no_grad();
        var ids = tensor(Ids).unsqueeze(0);
        Assert.True(gqa.call(ids).allclose(mha.call(ids), rtol: 0, atol: 1e-5));
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void Forward_WithCache_MatchesFullForward(string name)
    {
        using var model = Randomised(Named(name));
        using var _ = no_grad();
        var ids = tensor(Ids).unsqueeze(0);
        using var full = model.call(ids);
        using var cache = new KvCache(model.Config, 1, 8, CPU, model.DType);
        var first = model.Forward(ids.narrow(1, 0, 5), cache);
        var second = model.Forward(ids.narrow(1, 5, 2), cache);
        var third = model.Forward(ids.narrow(1, 7, 1), cache);
        Assert.True(full.allclose(cat([first, second, third], 1), rtol: 0, atol: 1e-5));
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void Forward_LeftPadded_MatchesUnpaddedRow(string name)
    {
        using var model = Randomised(Named(name));
        using var _ = no_grad();
        using var alone = model.call(tensor(new long[] { 7, 8, 9 }).unsqueeze(0));
        using var padded = tensor(new long[] { 0, 0, 7, 8, 9 }).unsqueeze(0);
        using var mask = tensor(new[] { false, false, true, true, true }).unsqueeze(0);
        using var logits = model.Forward(padded, keyMask: mask);
        Assert.True(alone.allclose(logits.narrow(1, 2, 3), rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void Checkpoint_ModelWithTheNewFeatures_SavesAndLoadsIdentically()
    {
        var tokenizer = new Forge.Training.Tokenization.ByteTokenizer();
        using var model = Randomised(Llama3Like() with { VocabSize = tokenizer.VocabSize, QkNorm = true, HeadSize = 16 });
        var dir = Path.Combine(Path.GetTempPath(), $"forge-arch-{Guid.NewGuid():N}");
        try
        {
            Forge.Training.Checkpoints.Checkpoint.Save(dir, model, tokenizer, new(1, 1));
            using var loaded = Forge.Training.Checkpoints.Checkpoint.Load(dir);
            Assert.Equal(model.Config, loaded.Model.Config);
            using var __ = no_grad();
            var ids = tensor(Ids).unsqueeze(0);
            Assert.True(TensorAssert.Same(model.call(ids), loaded.Model.call(ids)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Checkpoint_BFloat16Model_LoadsBackInBFloat16()
    {
        var tokenizer = new Forge.Training.Tokenization.ByteTokenizer();
        using var source = Randomised(Qwen3Like() with { VocabSize = tokenizer.VocabSize });
        using var model = CausalTransformer.ForLoading(source.Config, ScalarType.BFloat16, CPU);
        model.CopyWeightsFrom(source);
        var dir = Path.Combine(Path.GetTempPath(), $"forge-arch-{Guid.NewGuid():N}");
        try
        {
            Forge.Training.Checkpoints.Checkpoint.Save(dir, model, tokenizer, new(1, 1));
            using var loaded = Forge.Training.Checkpoints.Checkpoint.Load(dir);
            Assert.Equal(ScalarType.BFloat16, loaded.Model.DType);
            Assert.All(loaded.Model.state_dict(), kv => Assert.True(TensorAssert.Same(kv.Value, model.state_dict()[kv.Key]), kv.Key));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void KvCache_HoldsKeyValueHeadsInTheModelsDtype()
    {
        using var model = CausalTransformer.ForLoading(Qwen3Like(), ScalarType.BFloat16, CPU);
        using var cache = new KvCache(model.Config, 2, 8, CPU, model.DType);
        using var _ = no_grad();
        var (k, v) = cache.Append(0, zeros([2, 2, 3, 16], ScalarType.BFloat16), zeros([2, 2, 3, 16], ScalarType.BFloat16));
        Assert.Equal(new long[] { 2, 2, 3, 16 }, k.shape);
        Assert.Equal(ScalarType.BFloat16, v.dtype);
    }

    [Theory]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    public void Forward_HalfPrecision_RunsInTheParametersDtypeCloseToFloat32(ScalarType dtype)
    {
        using var model = Randomised(Qwen3Like(tie: false));
        using var half = CausalTransformer.ForLoading(model.Config, dtype, CPU);
        half.CopyWeightsFrom(model);
        half.eval();
        Assert.Equal(dtype, half.DType);
        using var _ = no_grad();
        var ids = tensor(Ids).unsqueeze(0);
        using var reference = model.call(ids);
        using var logits = half.call(ids);
        Assert.Equal(dtype, logits.dtype);
        var diff = (logits.to(float32) - reference).abs().max().item<float>();
        var scale = reference.abs().max().item<float>();
        Assert.True(diff < 0.05 * scale, $"max |{dtype} − float32| = {diff} (logit scale {scale})");
        var greedy = Forge.Training.Generation.Generator.Generate(half, [new([1, 2, 3])], new() { Temperature = 0, MaxNewTokens = 4 })[0];
        Assert.Equal(4, greedy.Tokens.Count);
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void ParameterCount_MatchesModuleParameters(string name)
    {
        using var model = new CausalTransformer(Named(name));
        Assert.Equal(model.Config.ParameterCount, model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void ParameterNames_KeepTheHouseNamesAndAddBiasesAndQkNorms()
    {
        using var qwen3 = new CausalTransformer(Qwen3Like());
        using var llama = new CausalTransformer(Llama3Like());
        var names = qwen3.state_dict().Keys.Concat(llama.state_dict().Keys).ToHashSet();
        Assert.Contains("blocks.0.attention.queryNorm.weight", names);
        Assert.Contains("blocks.1.attention.keyNorm.weight", names);
        Assert.Contains("blocks.0.attention.query.bias", names);
        Assert.Contains("blocks.0.attention.output.bias", names);
        Assert.Contains("blocks.0.mlp.down.bias", names);
        Assert.Equal([16L], qwen3.state_dict()["blocks.0.attention.queryNorm.weight"].shape);
        Assert.Equal([32L, 64L], qwen3.state_dict()["blocks.0.attention.output.weight"].shape); // heads·head_dim ≠ d_model
    }
}
