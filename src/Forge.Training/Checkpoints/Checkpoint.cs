using System.Text.Json;
using System.Text.Json.Nodes;
using Forge.Training.Lora;
using Forge.Training.Model;
using Forge.Training.Tokenization;
using Forge.Training.Tokenization.HuggingFace;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Forge.Training.Checkpoints;

/// <summary>
/// Saves and loads a training state to a directory:
/// <c>checkpoint.json</c> (format version, model config, tokenizer spec, step, policy version, seed, caller's extra
/// JSON), <c>model.safetensors</c> (weights, our names), <c>optimizer.bin</c> (TorchSharp optimizer state, when
/// given) and <c>rng.bin</c> (the CPU default generator's state). A model with <see cref="LoraAdapters"/> also gets
/// <c>adapter_config.json</c> and <c>adapter_model.safetensors</c> in PEFT's format (<see cref="PeftAdapter"/>), and
/// loading re-attaches them. Saving writes a sibling temp directory and then
/// swaps it in, so an interrupted save never leaves a half-written checkpoint under the name.
/// </summary>
public static class Checkpoint
{
    /// <summary>Current <c>format_version</c>.</summary>
    public const int FormatVersion = 1;

    private const string InfoFile = "checkpoint.json";
    private const string WeightsFile = "model.safetensors";
    private const string OptimizerFile = "optimizer.bin";
    private const string RngFile = "rng.bin";

    /// <summary>Writes the checkpoint (replacing one already at <paramref name="directory"/>).</summary>
    /// <param name="directory">The checkpoint directory.</param>
    /// <param name="model">The model (its adapters too, when it has any).</param>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="progress">Where training stands.</param>
    /// <param name="optimizer">The optimizer, whose state is saved when given.</param>
    /// <param name="weights">Weights to save instead of the model's, by the model's names (the fp32 masters of a bf16 run).</param>
    public static void Save(string directory, CausalTransformer model, ITokenizer tokenizer, TrainingProgress progress, OptimizerHelper? optimizer = null,
        IReadOnlyDictionary<string, Tensor>? weights = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(progress);
        if (tokenizer.VocabSize > model.Config.VocabSize)
            throw new ArgumentException($"tokenizer vocabulary ({tokenizer.VocabSize}) exceeds the model's vocab_size ({model.Config.VocabSize}).");
        var full = Path.GetFullPath(directory);
        var parent = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(parent);
        var temp = Path.Combine(parent, $".{Path.GetFileName(full)}.saving-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            var info = new CheckpointInfo
            {
                FormatVersion = FormatVersion,
                Config = model.Config,
                Tokenizer = tokenizer is HfTokenizer ? tokenizer.Spec with { Path = "." } : tokenizer.Spec,
                Step = progress.Step,
                PolicyVersion = progress.PolicyVersion,
                Seed = progress.Seed,
                HasOptimizer = optimizer is not null,
                Extra = progress.Extra?.DeepClone().AsObject(),
            };
            File.WriteAllText(Path.Combine(temp, InfoFile), JsonSerializer.Serialize(info, TransformerConfig.Json));
            if (tokenizer is HfTokenizer hf)
                HfTokenizerFiles.Copy(hf.Folder, temp);   // the tokenizer and its chat template travel with the weights
            Safetensors.Write(Path.Combine(temp, WeightsFile), weights ?? model.state_dict(), new Dictionary<string, string> { ["format"] = "forge" });
            if (LoraAdapters.Of(model) is { } adapters)
                PeftAdapter.Save(temp, adapters, progress.BaseModel);
            optimizer?.save_state_dict(Path.Combine(temp, OptimizerFile));
            using (var rng = torch.random.get_rng_state())
                File.WriteAllBytes(Path.Combine(temp, RngFile), rng.bytes.ToArray());
            Swap(temp, full);
        }
        catch
        {
            if (Directory.Exists(temp))
                Directory.Delete(temp, recursive: true);
            throw;
        }
    }

    /// <summary>Reads <c>checkpoint.json</c> only (config, tokenizer, progress).</summary>
    public static CheckpointInfo ReadInfo(string directory)
    {
        var path = Path.Combine(directory, InfoFile);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: not a checkpoint (no {InfoFile}).", path);
        CheckpointInfo? info;
        try
        {
            info = JsonSerializer.Deserialize<CheckpointInfo>(File.ReadAllText(path), TransformerConfig.Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Path}: {e.Message}", e);
        }
        if (info is null || info.Config is null || info.Tokenizer is null)
            throw new InvalidDataException($"{path}: $: expected format_version, config and tokenizer.");
        if (info.FormatVersion != FormatVersion)
            throw new InvalidDataException($"{path}: $.format_version: {info.FormatVersion} is not supported (this build reads {FormatVersion}).");
        try
        {
            info.Config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: $.config: {e.Message}", e);
        }
        return info;
    }

    /// <summary>
    /// Rebuilds the model (on <paramref name="device"/>, default CPU; in the dtype its weights were saved in; with its LoRA
    /// adapters attached when it has them) and tokenizer from a checkpoint. The weights are memory-mapped and copied tensor by tensor.
    /// </summary>
    /// <param name="directory">The checkpoint directory.</param>
    /// <param name="device">Where the model goes (default CPU).</param>
    /// <param name="mergeAdapters">Fold LoRA adapters into the base weights (<see cref="LoraAdapters.Merge"/>) instead of attaching them: the plain model for export and inspection.</param>
    public static LoadedCheckpoint Load(string directory, Device? device = null, bool mergeAdapters = false)
    {
        var info = ReadInfo(directory);
        var tokenizer = info.Tokenizer.Create(directory);
        if (tokenizer.VocabSize > info.Config.VocabSize)
            throw new InvalidDataException($"{Path.Combine(directory, InfoFile)}: $.tokenizer: vocabulary {tokenizer.VocabSize} exceeds config.vocab_size {info.Config.VocabSize}.");
        var path = Path.Combine(directory, WeightsFile);
        using var weights = MappedSafetensors.Open(path);
        var dtype = weights.Tensors.TryGetValue("embedding.weight", out var embedding) && is_floating_point(embedding.DType)
            ? embedding.DType
            : ScalarType.Float32;
        var model = CausalTransformer.ForLoading(info.Config, dtype, device ?? CPU);
        try
        {
            WeightLoader.LoadMapped(model, [weights], WeightNameMap.Identity, path);
            if (PeftAdapter.Exists(directory))
            {
                PeftAdapter.Load(directory, model);
                if (mergeAdapters) LoraAdapters.Of(model)!.Merge();
            }
        }
        catch
        {
            LoraAdapters.Of(model)?.Dispose();
            model.Dispose();
            throw;
        }
        return new LoadedCheckpoint(model, tokenizer, info);
    }

    /// <summary>Restores the optimizer state saved with the checkpoint into an optimizer built over the loaded model's parameters.</summary>
    public static void RestoreOptimizer(string directory, OptimizerHelper optimizer)
    {
        var path = Path.Combine(directory, OptimizerFile);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: this checkpoint was saved without optimizer state.", path);
        optimizer.load_state_dict(path);
    }

    /// <summary>Restores the CPU default random generator to its state at save time.</summary>
    public static void RestoreRng(string directory)
    {
        var path = Path.Combine(directory, RngFile);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: this checkpoint has no RNG state.", path);
        using var state = tensor(File.ReadAllBytes(path), dtype: ScalarType.Byte);
        torch.random.set_rng_state(state);
    }

    private static void Swap(string temp, string target)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(temp, target);
            return;
        }
        var old = target + $".old-{Guid.NewGuid():N}";
        Directory.Move(target, old);
        Directory.Move(temp, target);
        Directory.Delete(old, recursive: true);
    }
}

/// <summary>Where training stands, saved with a checkpoint.</summary>
/// <param name="Step">Optimizer steps taken.</param>
/// <param name="PolicyVersion">Version tag of the policy (trajectories record which version produced them).</param>
/// <param name="Seed">The run's base seed.</param>
public sealed record TrainingProgress(long Step, long PolicyVersion, long Seed = 0)
{
    /// <summary>Anything else the trainer wants back on resume (scheduler state, options, counters).</summary>
    public JsonObject? Extra { get; init; }

    /// <summary>The Hugging Face folder the model started from, written as the adapters' <c>base_model_name_or_path</c>; null for Forge's own.</summary>
    public string? BaseModel { get; init; }
}

/// <summary>The contents of <c>checkpoint.json</c>.</summary>
public sealed record CheckpointInfo
{
    [System.Text.Json.Serialization.JsonPropertyName("format_version")] public int FormatVersion { get; init; }
    [System.Text.Json.Serialization.JsonPropertyName("config")] public TransformerConfig Config { get; init; } = null!;
    [System.Text.Json.Serialization.JsonPropertyName("tokenizer")] public TokenizerSpec Tokenizer { get; init; } = null!;
    [System.Text.Json.Serialization.JsonPropertyName("step")] public long Step { get; init; }
    [System.Text.Json.Serialization.JsonPropertyName("policy_version")] public long PolicyVersion { get; init; }
    [System.Text.Json.Serialization.JsonPropertyName("seed")] public long Seed { get; init; }
    [System.Text.Json.Serialization.JsonPropertyName("has_optimizer")] public bool HasOptimizer { get; init; }
    [System.Text.Json.Serialization.JsonPropertyName("extra")] public JsonObject? Extra { get; init; }
}

/// <summary>A model and tokenizer rebuilt from a checkpoint, with its info. Dispose to free the model.</summary>
public sealed record LoadedCheckpoint(CausalTransformer Model, ITokenizer Tokenizer, CheckpointInfo Info) : IDisposable
{
    public void Dispose()
    {
        LoraAdapters.Of(Model)?.Dispose();
        Model.Dispose();
    }
}
