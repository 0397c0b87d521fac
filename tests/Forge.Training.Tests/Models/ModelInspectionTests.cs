using Forge.Training.Checkpoints;
using Forge.Training.Model;
using Forge.Training.Models;
using Forge.Training.Tests.Models.HuggingFace;
using Forge.Training.Tokenization;
using TorchSharp;

namespace Forge.Training.Tests.Models;

public sealed class ModelInspectionTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("forge-inspect-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void Of_ForgeCheckpoint_ReportsItsShapeTokenizerAndExportArchitecture()
    {
        var tokenizer = new ByteTokenizer();
        using var model = TinyModels.Create(TinyModels.Config(vocab: tokenizer.VocabSize));
        var dir = Path.Combine(root, "ckpt");
        Checkpoint.Save(dir, model, tokenizer, new TrainingProgress(1, 1));

        var report = ModelInspection.Of(dir);

        Assert.Equal("forge-checkpoint", report.Kind);
        Assert.Equal("LlamaForCausalLM", report.Architecture);
        Assert.Equal(model.Config.ParameterCount, report.Parameters);
        Assert.Equal(report.Parameters, report.StoredElements);
        Assert.Equal(new Dictionary<string, int> { ["F32"] = model.state_dict().Count }, report.StoredDTypes);
        Assert.Equal("byte", report.Tokenizer);
        Assert.Equal(64, report.ContextLength);
        Assert.True(report.Loadable);
    }

    [Fact]
    public void Of_GeluCheckpoint_HasNoHuggingFaceArchitecture()
    {
        var tokenizer = new ByteTokenizer();
        using var model = TinyModels.Create(TinyModels.Config(vocab: tokenizer.VocabSize, mlp: MlpKind.Gelu));
        var dir = Path.Combine(root, "gelu");
        Checkpoint.Save(dir, model, tokenizer, new TrainingProgress(1, 1));
        Assert.Equal("forge", ModelInspection.Of(dir).Architecture);
    }

    [Fact]
    public void Of_HfFolderWithoutWeights_IsNotLoadableAndSaysWhy()
    {
        var config = HfFolders.Config("qwen2");
        var dir = HfFolders.Write(Path.Combine(root, "hf"), config, HfFolders.Weights(config));
        File.Delete(Path.Combine(dir, "model.safetensors"));
        var report = ModelInspection.Of(dir);
        Assert.False(report.Loadable);
        Assert.Contains(report.Problems, p => p.Contains("no model.safetensors"));
        Assert.Equal("Qwen2ForCausalLM", report.Architecture);
    }

    [Fact]
    public void Of_HfFolderWithAnIllShapedTensor_ChecksTheWeightsWithoutLoadingThem()
    {
        var config = HfFolders.Config("qwen3");
        var weights = HfFolders.Weights(config);
        weights["model.layers.1.self_attn.k_norm.weight"] = new HfFolders.Weight([4], new float[4]);
        var dir = HfFolders.Write(Path.Combine(root, "bad"), config, weights);
        var report = ModelInspection.Of(dir);
        Assert.False(report.Loadable);
        Assert.Contains(report.Problems, p => p.Contains("'model.layers.1.self_attn.k_norm.weight' has shape [4], the model needs [16]"));
        Assert.Empty(report.Refused);
    }

    [Fact]
    public void Load_EitherKind_GivesTheSameLogitsApi()
    {
        var config = HfFolders.Config("mistral");
        var dir = HfFolders.Write(Path.Combine(root, "m"), config, HfFolders.Weights(config), "BF16");
        using var loaded = ModelFolder.Load(dir, torch.ScalarType.Float32);
        Assert.NotNull(loaded.HuggingFace);
        var logits = ModelFolder.Logits(loaded.Model, [1, 2, 3]);
        Assert.Equal(3, logits.Length);
        Assert.All(logits, row => Assert.Equal(64, row.Length));
        Assert.Throws<ArgumentException>(() => ModelFolder.Logits(loaded.Model, [1, -1]));
    }
}
