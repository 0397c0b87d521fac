using System.Text.Json;
using System.Text.Json.Nodes;
using Forge.Training.Checkpoints;
using Forge.Training.Model;
using static TorchSharp.torch;
using HfTokenizerFiles = Forge.Training.Tokenization.HuggingFace.HfTokenizerFiles;

namespace Forge.Training.Models.HuggingFace;

/// <summary>What an export wrote.</summary>
/// <param name="Directory">The Hugging Face folder written.</param>
/// <param name="Architecture">The architecture in its config.json.</param>
/// <param name="DType">The dtype of the stored tensors.</param>
/// <param name="TokenizerFiles">Tokenizer files written beside the weights (empty when the source had none).</param>
public sealed record HfExport(string Directory, string Architecture, ScalarType DType, IReadOnlyList<string> TokenizerFiles);

/// <summary>
/// Writes a model as a Hugging Face folder: <c>config.json</c>, <c>model.safetensors</c> (Hugging Face tensor
/// names, the model's dtype, <c>{"format": "pt"}</c> metadata), <c>generation_config.json</c> and the tokenizer
/// files. The folder loads back (here or in transformers) with the same weights, hence identical logits.
/// </summary>
public static class HfExporter
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Exports a Forge checkpoint directory or a Hugging Face model folder to <paramref name="directory"/>.</summary>
    public static HfExport ExportFolder(string source, string directory)
    {
        if (File.Exists(Path.Combine(source, "checkpoint.json")))
            return ExportCheckpoint(source, directory);
        if (HfModelLoader.IsModelFolder(source))
        {
            using var model = HfModelLoader.Load(source);
            return Export(model, directory);
        }
        throw new FileNotFoundException($"{source}: neither a Forge checkpoint (checkpoint.json) nor a Hugging Face model folder (config.json).", source);
    }

    /// <summary>Exports a model loaded from a Hugging Face folder: its own config written back (dtype updated), its tokenizer files copied.</summary>
    public static HfExport Export(HfModel model, string directory)
    {
        ArgumentNullException.ThrowIfNull(model);
        var config = model.Info.Config.DeepClone().AsObject();
        config[config.ContainsKey("dtype") && !config.ContainsKey("torch_dtype") ? "dtype" : "torch_dtype"] = HfDTypes.Name(model.Model.DType);
        var reread = HfConfigReader.Read(config).ModelConfig;
        if (reread != model.Model.Config)
            throw new InvalidOperationException($"{model.Info.Directory}: the model's shape no longer matches its config.json; export it from its TransformerConfig instead.");
        Write(model.Model, config, model.Info.GenerationConfig, directory);
        var tokenizer = HfTokenizerFiles.Copy(model.Info.Directory, directory);
        return new HfExport(directory, model.Info.Architecture!, model.Model.DType, tokenizer);
    }

    /// <summary>
    /// Exports a Forge checkpoint as LlamaForCausalLM (or Qwen2/Qwen3 when its shape needs them); a shape no
    /// architecture expresses (a GELU MLP) is refused with the reason. Dropout is a training setting and is not exported.
    /// </summary>
    public static HfExport ExportCheckpoint(string checkpoint, string directory)
    {
        var info = Checkpoint.ReadInfo(checkpoint);
        HfConfigWriter.ArchitectureFor(info.Config); // refuse before loading anything
        using var loaded = Checkpoint.Load(checkpoint, mergeAdapters: true);
        var (model, tokenizer) = (loaded.Model, loaded.Tokenizer);
        var config = HfConfigWriter.ConfigFor(model.Config, model.DType, tokenizer.BosId, tokenizer.EosId);
        var generation = new JsonObject { ["bos_token_id"] = tokenizer.BosId, ["eos_token_id"] = tokenizer.EosId, ["pad_token_id"] = tokenizer.PadId };
        Write(model, config, generation, directory);
        var tokenizerFiles = HfTokenizerFiles.Save(tokenizer, directory);
        return new HfExport(directory, config["architectures"]![0]!.GetValue<string>(), model.DType, tokenizerFiles);
    }

    /// <summary>Writes config.json, model.safetensors and (when given) generation_config.json into a new or empty folder.</summary>
    public static void Write(CausalTransformer model, JsonObject config, JsonObject? generationConfig, string directory)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        if (System.IO.Directory.Exists(directory) && System.IO.Directory.EnumerateFileSystemEntries(directory).Any())
            throw new ArgumentException($"{directory}: the export folder exists and is not empty; choose a new or empty folder.");
        System.IO.Directory.CreateDirectory(directory);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in model.state_dict())
            tensors[WeightNameMap.ToHuggingFace.Map(name) ?? throw new InvalidOperationException($"weight '{name}' has no Hugging Face name.")] = tensor;
        Safetensors.Write(Path.Combine(directory, HfWeightFiles.SingleFile), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        File.WriteAllText(Path.Combine(directory, HfModelLoader.ConfigFile), config.ToJsonString(Indented) + "\n");
        if (generationConfig is not null)
            File.WriteAllText(Path.Combine(directory, HfModelLoader.GenerationConfigFile), generationConfig.ToJsonString(Indented) + "\n");
    }
}
