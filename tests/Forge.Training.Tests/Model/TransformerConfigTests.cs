using Forge.Training.Model;

namespace Forge.Training.Tests.Model;

public sealed class TransformerConfigTests
{
    [Fact]
    public void ToJson_ForgeConfig_WritesNoneOfTheOptionalFields()
    {
        var json = TinyModels.Config().ToJson();
        foreach (var field in new[] { "kv_heads", "head_dim", "ff_hidden", "qkv_bias", "output_bias", "mlp_bias", "qk_norm", "rope_scaling" })
            Assert.DoesNotContain(field, json);
    }

    [Fact]
    public void FromJson_ConfigWrittenBeforeTheOptionalFields_ReadsAsBefore()
    {
        const string json = """
            { "vocab_size": 40, "d_model": 32, "layers": 2, "heads": 4, "ff_mult": 2, "max_seq_len": 64,
              "rope_theta": 10000, "dropout": 0, "mlp": "SwiGlu", "tie_embeddings": true, "norm_eps": 1e-05 }
            """;
        var config = TransformerConfig.FromJson(json);
        Assert.Equal(TinyModels.Config(), config);
        Assert.Equal((4, 8, 64), (config.KvHeadCount, config.HeadDim, config.FfHidden));
    }

    [Fact]
    public void FromJson_OptionalFields_RoundTrip()
    {
        var config = ArchitectureTests.Llama3Like() with { QkNorm = true, HeadSize = 16 };
        var back = TransformerConfig.FromJson(config.ToJson());
        Assert.Equal(config, back);
        Assert.Contains("\"type\": \"llama3\"", config.ToJson());
    }

    [Fact]
    public void Validate_BadOptionalFields_ReportsEachByName()
    {
        var error = Assert.Throws<ArgumentException>(() => new TransformerConfig
        {
            Heads = 4, KvHeads = 3, HeadSize = 7, FfHiddenSize = 0,
            RopeScaling = new RopeScaling { Kind = RopeScalingKind.Llama3, Factor = 8 },
        }.Validate());
        Assert.Contains("kv_heads", error.Message);
        Assert.Contains("head_dim", error.Message);
        Assert.Contains("ff_hidden", error.Message);
        Assert.Contains("low_freq_factor", error.Message);
    }

    [Fact]
    public void Validate_ExplicitHeadDim_NeedNotDivideDModel()
    {
        var config = new TransformerConfig { DModel = 30, Heads = 4, HeadSize = 8 }.Validate();
        Assert.Equal(8, config.HeadDim);
    }
}

public sealed class RopeScalingTests
{
    [Fact]
    public void InverseFrequencies_Llama3_MatchTheFormulaInDoubles()
    {
        // Llama 3.1's published settings over a 128-wide head: all three bands (kept, blended, divided) occur.
        var scaling = new RopeScaling { Kind = RopeScalingKind.Llama3, Factor = 8, LowFreqFactor = 1, HighFreqFactor = 4, OriginalMaxPositions = 8192 };
        var actual = Rotary.InverseFrequencies(128, 500_000, scaling);
        var expected = ReferenceTransformer.InverseFrequencies(128, 500_000, scaling);
        Assert.Equal(64, actual.Length);
        for (var i = 0; i < 64; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-6 * expected[i], $"θ[{i}] = {actual[i]}, expected {expected[i]}");
        var unscaled = ReferenceTransformer.InverseFrequencies(128, 500_000, null);
        Assert.Contains(Enumerable.Range(0, 64), i => Math.Abs(expected[i] - unscaled[i]) < 1e-12 * unscaled[i]);             // kept
        Assert.Contains(Enumerable.Range(0, 64), i => Math.Abs(expected[i] - unscaled[i] / 8) < 1e-12 * unscaled[i]);         // divided
        Assert.Contains(Enumerable.Range(0, 64), i => expected[i] < unscaled[i] * 0.99 && expected[i] > unscaled[i] / 8 * 1.01); // blended
    }

    [Fact]
    public void InverseFrequencies_Linear_DivideByTheFactor()
    {
        var actual = Rotary.InverseFrequencies(16, 10_000, new RopeScaling { Kind = RopeScalingKind.Linear, Factor = 4 });
        for (var i = 0; i < 8; i++)
            Assert.Equal(1.0 / Math.Pow(10_000, 2.0 * i / 16) / 4, actual[i], 1e-7);
    }

    [Fact]
    public void InverseFrequencies_NoScaling_AreThePlainRopeFrequencies()
    {
        var actual = Rotary.InverseFrequencies(8, 10_000, null);
        double[] expected = [1, 0.1, 0.01, 0.001];
        Assert.All(Enumerable.Range(0, 4), i => Assert.Equal(expected[i], actual[i], 1e-7));
    }
}
