using System.Text.Json.Nodes;
using Forge.Training.Checkpoints;
using Forge.Training.Lora;
using Forge.Training.Rl;
using Forge.Training.Tokenization;

namespace Forge.Training.Tests.Lora;

public sealed class PeftAdapterTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("forge-peft-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static (Forge.Training.Model.CausalTransformer Model, LoraAdapters Adapters) Adapted(LoraOptions? options = null)
    {
        var model = TinyModels.Create(TinyModels.Config(vocab: new ByteTokenizer().VocabSize));
        var adapters = LoraAdapters.Attach(model, options ?? LoraFixtures.Options(rank: 4, alpha: 8), seed: 3);
        LoraFixtures.Perturb(adapters);
        return (model, adapters);
    }

    [Fact]
    public void Save_PeftConfigFields()
    {
        var (model, adapters) = Adapted(new LoraOptions { Rank = 4, Alpha = 8, Dropout = 0.05, Targets = ["q_proj", "v_proj", "down_proj"] });
        using (model) using (adapters) PeftAdapter.Save(root, adapters, baseModel: "Qwen/Qwen3-0.6B");
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(root, "adapter_config.json")))!.AsObject();
        Assert.Equal("LORA", config["peft_type"]!.GetValue<string>());
        Assert.Equal("CAUSAL_LM", config["task_type"]!.GetValue<string>());
        Assert.Equal(4, config["r"]!.GetValue<int>());
        Assert.Equal(8.0, config["lora_alpha"]!.GetValue<double>());
        Assert.Equal(0.05, config["lora_dropout"]!.GetValue<double>());
        Assert.Equal(["q_proj", "v_proj", "down_proj"], config["target_modules"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal("none", config["bias"]!.GetValue<string>());
        Assert.False(config["fan_in_fan_out"]!.GetValue<bool>());
        Assert.False(config["use_dora"]!.GetValue<bool>());
        Assert.False(config["use_rslora"]!.GetValue<bool>());
        Assert.Equal("Qwen/Qwen3-0.6B", config["base_model_name_or_path"]!.GetValue<string>());
    }

    [Fact]
    public void Save_PeftTensorNamesAndShapes()
    {
        var (model, adapters) = Adapted();
        using (model) using (adapters) PeftAdapter.Save(root, adapters);
        var tensors = Safetensors.Read(Path.Combine(root, "adapter_model.safetensors"));
        try
        {
            Assert.Equal(2 * 7 * 2, tensors.Count);
            Assert.Equal([4L, 32L], tensors["base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"].shape);
            Assert.Equal([32L, 4L], tensors["base_model.model.model.layers.1.self_attn.o_proj.lora_B.weight"].shape);
            Assert.Equal([4L, 32L], tensors["base_model.model.model.layers.1.mlp.gate_proj.lora_A.weight"].shape);
            Assert.Equal([64L, 4L], tensors["base_model.model.model.layers.0.mlp.up_proj.lora_B.weight"].shape);
            Assert.Equal([4L, 64L], tensors["base_model.model.model.layers.0.mlp.down_proj.lora_A.weight"].shape);
            Assert.Equal([32L, 4L], tensors["base_model.model.model.layers.0.mlp.down_proj.lora_B.weight"].shape);
            Assert.All(tensors.Keys, k => Assert.Matches(@"^base_model\.model\.model\.layers\.[01]\.(self_attn\.[qkvo]_proj|mlp\.(gate|up|down)_proj)\.lora_[AB]\.weight$", k));
            Assert.Equal("pt", Safetensors.ReadMetadata(Path.Combine(root, "adapter_model.safetensors"))["format"]);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    [Fact]
    public void CheckpointSaveLoad_Adapted_IdenticalLogitsAndAdaptersReattached()
    {
        var (model, adapters) = Adapted();
        using var _ = model;
        using var __ = adapters;
        using var expected = LoraFixtures.Logits(model);
        var dir = Path.Combine(root, "ckpt");
        Checkpoint.Save(dir, model, new ByteTokenizer(), new TrainingProgress(1, 1));
        Assert.True(File.Exists(Path.Combine(dir, "adapter_config.json")));
        Assert.True(File.Exists(Path.Combine(dir, "adapter_model.safetensors")));

        using var loaded = Checkpoint.Load(dir);
        var reattached = LoraAdapters.Of(loaded.Model);
        Assert.NotNull(reattached);
        Assert.Equal(adapters.Options.Targets, reattached.Options.Targets);
        using var actual = LoraFixtures.Logits(loaded.Model);
        Assert.True(TensorAssert.Same(expected, actual));
        Assert.All(loaded.Model.parameters(), p => Assert.False(p.requires_grad));
    }

    [Fact]
    public void Merge_LoadedCheckpoint_PlainCheckpointWithTheAdaptedLogits()
    {
        var (model, adapters) = Adapted();
        using var _ = model;
        using var __ = adapters;
        using var expected = LoraFixtures.Logits(model);
        var adapted = Path.Combine(root, "adapted");
        Checkpoint.Save(adapted, model, new ByteTokenizer(), new TrainingProgress(1, 1));

        var merged = Path.Combine(root, "merged");
        using (var loaded = Checkpoint.Load(adapted))
        {
            LoraAdapters.Of(loaded.Model)!.Merge();   // what an export does before writing the weights
            Checkpoint.Save(merged, loaded.Model, loaded.Tokenizer, new TrainingProgress(1, 1));
        }
        Assert.False(PeftAdapter.Exists(merged));
        using var plain = Checkpoint.Load(merged);
        Assert.Null(LoraAdapters.Of(plain.Model));
        using var actual = LoraFixtures.Logits(plain.Model);
        Assert.True(actual.allclose(expected, rtol: 1e-4, atol: 1e-5), $"max diff {(actual - expected).abs().max().item<float>()}");
    }

    [Fact]
    public void Load_MissingTensor_ErrorNamesFileAndTensor()
    {
        var (model, adapters) = Adapted(new LoraOptions { Rank = 4, Alpha = 8, Targets = ["q_proj"] });
        using (model) using (adapters) PeftAdapter.Save(root, adapters);
        var path = Path.Combine(root, "adapter_model.safetensors");
        var tensors = Safetensors.Read(path);
        tensors.Remove("base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight", out var removed);
        removed!.Dispose();
        Safetensors.Write(path, tensors);
        using var fresh = TinyModels.Create(TinyModels.Config(vocab: new ByteTokenizer().VocabSize));
        var e = Assert.Throws<InvalidDataException>(() => PeftAdapter.Load(root, fresh));
        Assert.Contains(path, e.Message);
        Assert.Contains("'base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight' is missing", e.Message);
        Assert.Null(LoraAdapters.Of(fresh));
    }

    [Theory]
    [InlineData("\"peft_type\": \"LORA\"", "\"peft_type\": \"IA3\"", "$.peft_type: expected \"LORA\"")]
    [InlineData("\"use_dora\": false", "\"use_dora\": true", "$.use_dora: only false is supported")]
    [InlineData("\"r\": 4", "\"r\": 0", "$.r: must be at least 1 (got 0)")]
    [InlineData("\"r\": 4", "\"r\": \"4\"", "$.r: expected a number, got \"4\"")]
    [InlineData("\"r\": 4", "\"r\": 4.5", "$.r: expected an integer, got 4.5")]
    [InlineData("\"bias\": \"none\"", "\"bias\": \"all\"", "$.bias: only \"none\" is supported")]
    [InlineData("\"q_proj\"", "\"qproj\"", "$.target_modules[0]: unknown projection 'qproj'. Did you mean 'q_proj'?")]
    public void Load_UnsupportedConfig_ErrorNamesField(string from, string to, string expected)
    {
        var (model, adapters) = Adapted(new LoraOptions { Rank = 4, Alpha = 8, Targets = ["q_proj"] });
        using (model) using (adapters) PeftAdapter.Save(root, adapters);
        var configPath = Path.Combine(root, "adapter_config.json");
        var text = File.ReadAllText(configPath);
        Assert.Contains(from, text);
        File.WriteAllText(configPath, text.Replace(from, to));
        using var fresh = TinyModels.Create(TinyModels.Config(vocab: new ByteTokenizer().VocabSize));
        var e = Assert.Throws<InvalidDataException>(() => PeftAdapter.Load(root, fresh));
        Assert.Contains($"{configPath}: {expected}", e.Message);
    }
}
