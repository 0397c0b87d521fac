using System.Text.Json.Nodes;
using Forge.Training.Checkpoints;
using Forge.Training.Model;
using Forge.Training.Models.HuggingFace;
using Forge.Training.Tests.Model;
using Forge.Training.Tokenization;
using HfTokenizer = Forge.Training.Tokenization.HuggingFace.HfTokenizer;
using HfTokenizerFiles = Forge.Training.Tokenization.HuggingFace.HfTokenizerFiles;
using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Training.Tests.Models.HuggingFace;

public sealed class HfExporterTests : IDisposable
{
    private static readonly long[] Ids = [2, 7, 1, 8, 2, 8, 1, 8];
    private readonly string root = Directory.CreateTempSubdirectory("forge-hfx-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static Tensor Logits(CausalTransformer model)
    {
        using var _ = no_grad();
        return model.call(tensor(Ids).unsqueeze(0));
    }

    private static JsonObject ReadJson(string path) => JsonNode.Parse(File.ReadAllText(path))!.AsObject();

    [Theory]
    [InlineData("llama", "BF16")]
    [InlineData("qwen2", "F16")]
    [InlineData("qwen3", "BF16")]
    [InlineData("mistral", "F32")]
    public void Export_HfLoadedModel_ReloadsWithIdenticalLogitsAndItsOwnConfig(string architecture, string dtype)
    {
        var config = HfFolders.Config(architecture);
        var source = HfFolders.Write(Path.Combine(root, "src"), config, HfFolders.Weights(config), dtype, shards: 2,
            new JsonObject { ["bos_token_id"] = 1, ["eos_token_id"] = new JsonArray(2, 3) });
        File.WriteAllText(Path.Combine(source, "tokenizer.json"), "{}");
        File.WriteAllText(Path.Combine(source, "tokenizer_config.json"), "{}");
        using var loaded = HfModelLoader.Load(source);
        var target = Path.Combine(root, "out");

        var export = HfExporter.Export(loaded, target);

        Assert.Equal(loaded.Info.Architecture, export.Architecture);
        Assert.Equal(["tokenizer.json", "tokenizer_config.json"], export.TokenizerFiles);
        using var back = HfModelLoader.Load(target);
        Assert.Equal(loaded.Model.DType, back.Model.DType);
        Assert.True(TensorAssert.Same(Logits(loaded.Model), Logits(back.Model)));
        var written = ReadJson(Path.Combine(target, "config.json"));
        Assert.Equal(config["transformers_version"]!.GetValue<string>(), written["transformers_version"]!.GetValue<string>());
        Assert.Equal([2, 3], back.Info.EosTokenIds);
        Assert.Equal("pt", Safetensors.ReadMetadata(Path.Combine(target, "model.safetensors"))["format"]);
    }

    [Fact]
    public void ExportFolder_ForgeCheckpoint_IsLlamaAndReloadsWithIdenticalLogits()
    {
        var tokenizer = new ByteTokenizer();
        using var model = TinyModels.Create(TinyModels.Config(vocab: tokenizer.VocabSize, tie: false) with { Dropout = 0.1, RopeTheta = 5000, NormEps = 1e-6 });
        model.eval();
        var checkpoint = Path.Combine(root, "ckpt");
        Checkpoint.Save(checkpoint, model, tokenizer, new TrainingProgress(4, 4));
        var target = Path.Combine(root, "hf");

        var export = HfExporter.ExportFolder(checkpoint, target);

        Assert.Equal("LlamaForCausalLM", export.Architecture);
        Assert.Equal(["tokenizer.json", "tokenizer_config.json"], export.TokenizerFiles);   // the byte tokenizer, written out
        Assert.Equal(tokenizer.Encode("vault <|eos|> ü"), HfTokenizer.Load(target).Encode("vault <|eos|> ü"));
        using var back = HfModelLoader.Load(target);
        Assert.Empty(back.Info.Problems);
        Assert.Equal(ScalarType.Float32, back.Model.DType);
        Assert.True(TensorAssert.Same(Logits(model), Logits(back.Model)));
        Assert.Equal(tokenizer.BosId, back.Info.BosTokenId);
        Assert.Equal([tokenizer.EosId], back.Info.EosTokenIds);
        var written = ReadJson(Path.Combine(target, "config.json"));
        Assert.Equal("llama", written["model_type"]!.GetValue<string>());
        Assert.Equal(64, written["intermediate_size"]!.GetValue<int>());
        Assert.Equal(64, written["max_position_embeddings"]!.GetValue<int>());
    }

    [Fact]
    public void ExportFolder_CheckpointOfAHuggingFaceTokenizer_CarriesAndCopiesItsFiles()
    {
        var files = Path.Combine(root, "tokenizer");
        HfTokenizerFiles.Save(new ByteTokenizer(), files);
        File.WriteAllText(Path.Combine(files, "chat_template.jinja"), "{% for m in messages %}{{ m.content }}<|eos|>{% endfor %}");
        var tokenizer = HfTokenizer.Load(files);
        using var model = TinyModels.Create(TinyModels.Config(vocab: tokenizer.VocabSize));
        var checkpoint = Path.Combine(root, "ckpt");
        Checkpoint.Save(checkpoint, model, tokenizer, new TrainingProgress(1, 1));
        Directory.Delete(files, recursive: true);   // the checkpoint needs nothing outside itself

        using (var loaded = Checkpoint.Load(checkpoint))
            Assert.Equal(Path.GetFullPath(checkpoint), Path.GetFullPath(Assert.IsType<HfTokenizer>(loaded.Tokenizer).Folder));
        var export = HfExporter.ExportFolder(checkpoint, Path.Combine(root, "hf"));

        Assert.Equal(["tokenizer.json", "tokenizer_config.json", "chat_template.jinja"], export.TokenizerFiles);
        foreach (var name in export.TokenizerFiles)
            Assert.Equal(File.ReadAllText(Path.Combine(checkpoint, name)), File.ReadAllText(Path.Combine(root, "hf", name)));
    }

    [Fact]
    public void ExportFolder_GeluCheckpoint_IsRefusedWithTheReason()
    {
        var tokenizer = new ByteTokenizer();
        using var model = TinyModels.Create(TinyModels.Config(vocab: tokenizer.VocabSize, mlp: MlpKind.Gelu));
        var checkpoint = Path.Combine(root, "gelu");
        Checkpoint.Save(checkpoint, model, tokenizer, new TrainingProgress(1, 1));
        var error = Assert.Throws<ArgumentException>(() => HfExporter.ExportFolder(checkpoint, Path.Combine(root, "hf")));
        Assert.Contains("the MLP is Gelu; Llama, Qwen2 and Qwen3 use SwiGLU", error.Message);
        Assert.False(Directory.Exists(Path.Combine(root, "hf")));
    }

    [Theory]
    [InlineData("qwen3", "Qwen3ForCausalLM")]
    [InlineData("qwen2", "Qwen2ForCausalLM")]
    [InlineData("llama3", "LlamaForCausalLM")]
    public void Write_ConfigBuiltModel_ChoosesTheArchitectureAndRoundTrips(string shape, string architecture)
    {
        using var model = ArchitectureTests.Randomised(ArchitectureTests.Named(shape));
        Assert.Equal(architecture, HfConfigWriter.ArchitectureFor(model.Config));
        var target = Path.Combine(root, shape);
        HfExporter.Write(model, HfConfigWriter.ConfigFor(model.Config, model.DType), null, target);
        using var back = HfModelLoader.Load(target);
        Assert.Empty(back.Info.Problems);
        Assert.Equal(architecture, back.Info.Architecture);
        Assert.True(TensorAssert.Same(Logits(model), Logits(back.Model)));
    }

    [Fact]
    public void ArchitectureFor_BiasCombinationsNoArchitectureHas_AreRefused()
    {
        var outputOnly = ArchitectureTests.Qwen2Like() with { QkvBias = false, OutputBias = true };
        Assert.Contains("output bias without q/k/v biases", Assert.Throws<ArgumentException>(() => HfConfigWriter.ArchitectureFor(outputOnly)).Message);
        var qwen3WithMlpBias = ArchitectureTests.Qwen3Like() with { MlpBias = true };
        Assert.Contains("Qwen3ForCausalLM", Assert.Throws<ArgumentException>(() => HfConfigWriter.ArchitectureFor(qwen3WithMlpBias)).Message);
    }

    [Fact]
    public void Write_IntoANonEmptyFolder_IsRefused()
    {
        using var model = TinyModels.Create();
        var target = Path.Combine(root, "busy");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "notes.txt"), "mine");
        var error = Assert.Throws<ArgumentException>(() => HfExporter.Write(model, HfConfigWriter.ConfigFor(model.Config, model.DType), null, target));
        Assert.Contains("not empty", error.Message);
    }
}
