using System.Text.Json.Nodes;
using Forge.Training.Model;
using Forge.Training.Models.HuggingFace;
using Forge.Training.Tests.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Training.Tests.Models.HuggingFace;

public sealed class HfModelLoaderTests : IDisposable
{
    private static readonly long[] Ids = [5, 1, 4, 1, 5, 9, 2, 6, 5, 3];
    private readonly string root = Directory.CreateTempSubdirectory("forge-hf-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private string Folder(string architecture, string dtype = "F32", int shards = 1, Action<JsonObject>? edit = null, JsonObject? generation = null)
    {
        var config = HfFolders.Config(architecture);
        edit?.Invoke(config);
        var dir = Path.Combine(root, $"{architecture}-{dtype}-{shards}-{Guid.NewGuid():N}");
        return HfFolders.Write(dir, config, HfFolders.Weights(config), dtype, shards, generation);
    }

    // A folder of the published shape whose config.json is then overwritten field by field.
    private string Patched(string architecture, string overrides)
    {
        var dir = Folder(architecture);
        var path = Path.Combine(dir, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        foreach (var (key, value) in JsonNode.Parse(overrides)!.AsObject())
            config[key] = value?.DeepClone();
        File.WriteAllText(path, config.ToJsonString());
        return dir;
    }

    private static Tensor ReferenceLogits(string directory, string dtype)
    {
        var config = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "config.json")))!;
        var weights = HfFolders.Weights(config).ToDictionary(kv => kv.Key, kv => tensor(HfFolders.Stored(kv.Value.Values, dtype)).reshape(kv.Value.Shape));
        return ReferenceTransformer.Logits(weights, ReferenceTransformer.Shape.Of(config), Ids);
    }

    private static Tensor Logits(CausalTransformer model)
    {
        using var _ = no_grad();
        return model.call(tensor(Ids).unsqueeze(0))[0].to(float64); // [T, V]
    }

    public static TheoryData<string, string, int> Layouts => new()
    {
        { "llama", "F32", 1 }, { "qwen2", "F32", 1 }, { "qwen3", "F32", 1 }, { "mistral", "F32", 1 },
        { "llama", "BF16", 3 }, { "qwen2", "F16", 2 }, { "qwen3", "BF16", 2 }, { "mistral", "F16", 1 },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Load_Float32_MatchesTheReferenceForwardOnTheStoredWeights(string architecture, string dtype, int shards)
    {
        var dir = Folder(architecture, dtype, shards);
        using var loaded = HfModelLoader.Load(dir, ScalarType.Float32);
        using var expected = ReferenceLogits(dir, dtype);
        using var actual = Logits(loaded.Model);
        var diff = (actual - expected).abs().max().item<double>();
        Assert.True(diff < 1e-4, $"{architecture} {dtype}×{shards}: max |logit − reference| = {diff}");
    }

    [Fact]
    public void Load_Sharded_GivesTheSameWeightsAsOneFile()
    {
        using var one = HfModelLoader.Load(Folder("qwen3", "BF16", 1));
        using var three = HfModelLoader.Load(Folder("qwen3", "BF16", 3));
        var a = one.Model.state_dict();
        foreach (var (name, value) in three.Model.state_dict())
            Assert.True(TensorAssert.Same(a[name], value), name);
    }

    [Fact]
    public void Load_NoDType_UsesTorchDtype_AndAnExplicitOneOverrides()
    {
        var dir = Folder("qwen2", "BF16");
        using (var stored = HfModelLoader.Load(dir))
            Assert.Equal(ScalarType.BFloat16, stored.Model.DType);
        using var half = HfModelLoader.Load(dir, ScalarType.Float16);
        Assert.Equal(ScalarType.Float16, half.Model.DType);
        Assert.All(half.Model.parameters(), p => Assert.Equal(ScalarType.Float16, p.dtype));
    }

    [Fact]
    public void Load_BFloat16_RunsInBFloat16CloseToTheReference()
    {
        var dir = Folder("qwen3", "BF16");
        using var loaded = HfModelLoader.Load(dir);
        using var expected = ReferenceLogits(dir, "BF16");
        using var actual = Logits(loaded.Model);
        var diff = (actual - expected).abs().max().item<double>();
        Assert.True(diff < 0.05 * expected.abs().max().item<double>(), $"max |bf16 logit − reference| = {diff}");
    }

    [Fact]
    public void ReadInfo_DescribesTheFolder()
    {
        var dir = Folder("qwen3", "BF16", generation: new JsonObject { ["bos_token_id"] = 3, ["eos_token_id"] = new JsonArray(4, 5), ["pad_token_id"] = 6 });
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), """{"chat_template": "{{ messages }}"}""");
        var info = HfModelLoader.ReadInfo(dir);
        Assert.Equal("Qwen3ForCausalLM", info.Architecture);
        Assert.Equal("bfloat16", info.TorchDType);
        Assert.Equal(160, info.MaxSeqLen);
        Assert.Equal(3, info.BosTokenId);
        Assert.Equal([4, 5], info.EosTokenIds);          // generation_config.json wins over config.json
        Assert.Equal(6, info.PadTokenId);
        Assert.Equal(["tokenizer_config.json"], info.TokenizerFiles);
        Assert.True(info.HasChatTemplate);
        Assert.Empty(info.Problems);
        var c = info.ModelConfig!;
        Assert.Equal((4, 2, 16, 40, true, false), (c.Heads, c.KvHeadCount, c.HeadDim, c.FfHidden, c.QkNorm, c.TieEmbeddings));
        Assert.Contains(info.Notes, n => n.Field == "$.transformers_version" && n.Verdict == ConfigVerdict.Ignored);
        Assert.Contains(info.Notes, n => n.Field == "$.head_dim" && n.Verdict == ConfigVerdict.Honoured);
    }

    [Fact]
    public void Load_TiedModelWithAStoredLmHead_IgnoresIt()
    {
        var config = HfFolders.Config("qwen2");
        var weights = HfFolders.Weights(config);
        weights["lm_head.weight"] = weights["model.embed_tokens.weight"];
        weights["model.layers.0.self_attn.rotary_emb.inv_freq"] = new HfFolders.Weight([4], [1, 0.1f, 0.01f, 0.001f]);
        var dir = HfFolders.Write(Path.Combine(root, "tied"), config, weights);
        using var loaded = HfModelLoader.Load(dir);
        Assert.DoesNotContain("head.weight", loaded.Model.state_dict().Keys);
    }

    [Fact]
    public void Load_LlamaWithAttentionAndMlpBias_HonoursBoth()
    {
        var dir = Folder("llama", edit: c => { c["attention_bias"] = true; c["mlp_bias"] = true; });
        using var loaded = HfModelLoader.Load(dir, ScalarType.Float32);
        Assert.Contains("blocks.1.attention.output.bias", loaded.Model.state_dict().Keys);
        Assert.Contains("blocks.1.mlp.down.bias", loaded.Model.state_dict().Keys);
        using var expected = ReferenceLogits(dir, "F32");
        using var actual = Logits(loaded.Model);
        Assert.True((actual - expected).abs().max().item<double>() < 1e-4);
    }

    public static TheoryData<string, string, string> Refusals => new()
    {
        { "qwen3", """{"hidden_act": "gelu"}""", "$.hidden_act: 'gelu'" },
        { "llama", """{"rope_scaling": {"rope_type": "yarn", "factor": 4.0}}""", "$.rope_scaling.rope_type: 'yarn' is not implemented" },
        { "qwen2", """{"rope_scaling": {"type": "dynamic", "factor": 2.0}}""", "$.rope_scaling.type: 'dynamic'" },
        { "llama", """{"rope_scaling": {"rope_type": "llama3", "factor": 8.0}}""", "low_freq_factor" },
        { "qwen2", """{"use_sliding_window": true, "sliding_window": 16}""", "$.use_sliding_window: a sliding window of 16 tokens" },
        { "qwen3", """{"use_sliding_window": true, "sliding_window": 16, "layer_types": ["full_attention", "sliding_attention"]}""", "on layers 1–1" },
        { "qwen3", """{"layer_types": ["full_attention", "chunked_attention"]}""", "$.layer_types[1]: 'chunked_attention'" },
        { "mistral", """{"sliding_window": 16}""", "$.sliding_window: a sliding window of 16 tokens" },
        { "qwen2", """{"quantization_config": {"quant_method": "gptq"}}""", "$.quantization_config" },
        { "llama", """{"attention_dropout": 0.1}""", "$.attention_dropout" },
        { "llama", """{"partial_rotary_factor": 0.5}""", "$.partial_rotary_factor" },
        { "qwen3", """{"architectures": ["GPT2LMHeadModel"]}""", "'GPT2LMHeadModel' is not supported; Forge loads LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM" },
        { "qwen3", """{"model_type": "llama"}""", "$.model_type: 'llama' does not match Qwen3ForCausalLM" },
        { "qwen2", """{"hidden_size": null}""", "$.hidden_size: missing" },
        { "qwen2", """{"num_attention_heads": "four"}""", "$.num_attention_heads: expected an integer" },
        { "qwen2", """{"num_key_value_heads": 3}""", "kv_heads must be ≥ 1 and divide heads" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Load_RefusedOrBrokenConfig_ThrowsNamingConfigJsonAndTheField(string architecture, string overrides, string expected)
    {
        var dir = Patched(architecture, overrides);
        var error = Assert.Throws<InvalidDataException>(() => HfModelLoader.Load(dir));
        Assert.Contains(Path.Combine(dir, "config.json"), error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("qwen2", """{"use_sliding_window": false, "sliding_window": 16}""")]   // switched off
    [InlineData("qwen2", """{"use_sliding_window": true, "sliding_window": 16, "max_window_layers": 2}""")] // no layer slides
    [InlineData("qwen3", """{"use_sliding_window": true, "sliding_window": 4096}""")]  // wider than the context
    [InlineData("mistral", """{"sliding_window": 4096}""")]
    [InlineData("llama", """{"rope_scaling": {"type": "linear", "factor": 2.0}}""")]
    [InlineData("llama", """{"rope_scaling": {"rope_type": "default"}}""")]
    public void Load_FieldsWithNoEffectOrHonoured_Load(string architecture, string overrides)
    {
        var dir = Patched(architecture, overrides);
        using var loaded = HfModelLoader.Load(dir, ScalarType.Float32);
        using var expected = ReferenceLogits(dir, "F32");
        using var actual = Logits(loaded.Model);
        Assert.True((actual - expected).abs().max().item<double>() < 1e-4);
    }

    [Fact]
    public void Load_MissingUnexpectedAndIllShapedTensors_OneErrorNamingFileAndTensors()
    {
        var config = HfFolders.Config("qwen3");
        var weights = HfFolders.Weights(config);
        weights.Remove("model.layers.1.mlp.up_proj.weight");
        weights["model.layers.0.self_attn.extra.weight"] = new HfFolders.Weight([2], [1, 2]);
        weights["model.layers.0.self_attn.q_norm.weight"] = new HfFolders.Weight([8], new float[8]);
        var dir = HfFolders.Write(Path.Combine(root, "broken"), config, weights, shards: 2);
        var error = Assert.Throws<InvalidDataException>(() => HfModelLoader.Load(dir));
        Assert.StartsWith(dir + ": cannot load weights: ", error.Message);
        Assert.Contains("model weight 'model.layers.1.mlp.up_proj.weight' is missing", error.Message);
        Assert.Contains("'model.layers.0.self_attn.extra.weight' in model-0000", error.Message);
        Assert.Contains("has no place in the model", error.Message);
        Assert.Matches(@"'model\.layers\.0\.self_attn\.q_norm\.weight' in model-0000\d-of-00002\.safetensors has shape \[8\], the model needs \[16\]", error.Message);
    }

    [Fact]
    public void Load_IndexThatDisagreesWithTheShards_NamesTheIndex()
    {
        var dir = Folder("llama", shards: 2);
        var indexPath = Path.Combine(dir, "model.safetensors.index.json");
        var index = JsonNode.Parse(File.ReadAllText(indexPath))!;
        index["weight_map"]!["model.norm.weight"] = index["weight_map"]!["model.norm.weight"]!.GetValue<string>().Contains("00001") ? "model-00002-of-00002.safetensors" : "model-00001-of-00002.safetensors";
        File.WriteAllText(indexPath, index.ToJsonString());
        var error = Assert.Throws<InvalidDataException>(() => HfModelLoader.Load(dir));
        Assert.Contains(indexPath, error.Message);
        Assert.Contains("'model.norm.weight'", error.Message);
    }

    [Fact]
    public void Load_NoWeights_SaysWhichFilesItLookedFor()
    {
        var dir = Folder("llama");
        File.Delete(Path.Combine(dir, "model.safetensors"));
        var error = Assert.Throws<FileNotFoundException>(() => HfModelLoader.Load(dir));
        Assert.Contains("no model.safetensors or model.safetensors.index.json", error.Message);
    }

    [Fact]
    public void Load_UnsupportedTorchDtypeWithoutAnExplicitOne_AsksForOne()
    {
        var dir = Folder("llama", edit: c => c["torch_dtype"] = "float8_e4m3fn");
        var error = Assert.Throws<InvalidDataException>(() => HfModelLoader.Load(dir));
        Assert.Contains("$.torch_dtype: 'float8_e4m3fn'", error.Message);
        using var loaded = HfModelLoader.Load(dir, ScalarType.Float32);
    }
}
