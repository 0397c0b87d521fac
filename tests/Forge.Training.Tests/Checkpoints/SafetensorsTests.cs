using Forge.Training.Checkpoints;
using Forge.Training.Model;
using TorchSharp;

namespace Forge.Training.Tests.Checkpoints;

public sealed class SafetensorsTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("forge-st-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void WriteRead_RoundTripsDtypesAndShapes()
    {
        var path = Path.Combine(root, "t.safetensors");
        using var f32 = torch.randn(3, 4);
        using var bf16 = torch.randn(5).to(torch.bfloat16);
        using var i64 = torch.arange(6, dtype: torch.int64).reshape(2, 3);
        using var scalar = torch.tensor(2.5f);
        Safetensors.Write(path, new Dictionary<string, torch.Tensor> { ["a"] = f32, ["b"] = bf16, ["c"] = i64, ["d"] = scalar }, new Dictionary<string, string> { ["k"] = "v" });
        var read = Safetensors.Read(path);
        try
        {
            Assert.True(TensorAssert.Same(read["a"], f32));
            Assert.Equal(torch.bfloat16, read["b"].dtype);
            Assert.True(TensorAssert.Same(read["b"], bf16));
            Assert.True(TensorAssert.Same(read["c"], i64));
            Assert.Empty(read["d"].shape);
            Assert.Equal("v", Safetensors.ReadMetadata(path)["k"]);
        }
        finally
        {
            foreach (var t in read.Values) t.Dispose();
        }
    }

    [Fact]
    public void LoadSafetensors_HuggingFaceLlamaNames_GiveSameModel()
    {
        var config = TinyModels.Config(tie: false);
        using var source = TinyModels.Create(config, seed: 1);
        var hfNames = source.state_dict().ToDictionary(kv => ToLlamaName(kv.Key), kv => kv.Value.to(torch.bfloat16));
        using var inv = torch.ones(4);
        hfNames["model.layers.0.self_attn.rotary_emb.inv_freq"] = inv; // present in old HF files; ignored
        var path = Path.Combine(root, "model.safetensors");
        Safetensors.Write(path, hfNames);

        using var target = TinyModels.Create(config, seed: 2);
        WeightLoader.LoadSafetensors(target, path, WeightNameMap.Llama);

        foreach (var (name, value) in target.state_dict())
            Assert.True(TensorAssert.Same(value, source.state_dict()[name].to(torch.bfloat16).to(torch.float32)), name);
    }

    [Fact]
    public void LoadSafetensors_MissingExtraAndMisshapen_ReportedTogether()
    {
        using var model = TinyModels.Create();
        var weights = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);
        weights.Remove("norm.weight");
        using var extra = torch.zeros(2);
        using var wrong = torch.zeros(3, 3);
        weights["something.else"] = extra;
        weights["blocks.0.mlp.up.weight"] = wrong;
        var path = Path.Combine(root, "bad.safetensors");
        Safetensors.Write(path, weights);
        var error = Assert.Throws<InvalidDataException>(() => WeightLoader.LoadSafetensors(model, path));
        Assert.Contains("bad.safetensors", error.Message);
        Assert.Contains("'norm.weight' is missing", error.Message);
        Assert.Contains("'something.else' has no place", error.Message);
        Assert.Contains("blocks.0.mlp.up.weight' has shape [3, 3]", error.Message);
    }

    [Fact]
    public void Read_CorruptHeader_ThrowsInvalidData()
    {
        var path = Path.Combine(root, "corrupt.safetensors");
        var header = """{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,8]}}"""u8.ToArray();
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((ulong)header.Length), .. header, .. new byte[8]]);
        var error = Assert.Throws<InvalidDataException>(() => Safetensors.Read(path));
        Assert.Contains("$['w'].data_offsets", error.Message);
    }

    private static string ToLlamaName(string name)
    {
        var parts = name.Split('.');
        return parts[0] switch
        {
            "embedding" => "model.embed_tokens.weight",
            "norm" => "model.norm.weight",
            "head" => "lm_head.weight",
            _ => $"model.layers.{parts[1]}." + (parts[2], parts[3]) switch
            {
                ("attentionNorm", _) => "input_layernorm.weight",
                ("mlpNorm", _) => "post_attention_layernorm.weight",
                ("attention", var p) => $"self_attn.{p[0]}_proj.weight",
                ("mlp", var p) => $"mlp.{p}_proj.weight",
                _ => throw new InvalidOperationException(name),
            },
        };
    }
}

public sealed class MappedSafetensorsTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("forge-mst-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Theory]
    [InlineData(1L)]
    [InlineData(7L)]
    [InlineData(1L << 25)]
    public void CopyInto_InChunks_CopiesEveryElementDirectlyAndWithConversion(long chunk)
    {
        var path = Path.Combine(root, "w.safetensors");
        using var f32 = torch.randn(5, 6);
        using var bf16 = torch.randn(4, 5).to(torch.bfloat16);
        using var empty = torch.zeros(0, 3);
        Safetensors.Write(path, new Dictionary<string, torch.Tensor> { ["a"] = f32, ["b"] = bf16, ["e"] = empty });
        using var mapped = MappedSafetensors.Open(path);
        mapped.ChunkElements = chunk;
        using var direct = torch.zeros(5, 6);
        using var converted = torch.zeros(4, 5);
        using var none = torch.zeros(0, 3);
        mapped.CopyInto("a", direct);
        mapped.CopyInto("b", converted);
        mapped.CopyInto("e", none);
        Assert.True(TensorAssert.Same(f32, direct));
        Assert.True(TensorAssert.Same(bf16.to(torch.float32), converted));
    }
}
