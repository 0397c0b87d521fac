using Forge.Training.Checkpoints;
using Forge.Training.Model;
using Forge.Training.Models.HuggingFace;
using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Training.Models;

/// <summary>A model loaded from a folder of either kind, with what the folder says about it. Dispose to free the model.</summary>
/// <param name="Model">The model.</param>
/// <param name="HuggingFace">The description of a Hugging Face folder, or null.</param>
/// <param name="Checkpoint">The info of a Forge checkpoint, or null.</param>
public sealed record LoadedModel(CausalTransformer Model, HfModelInfo? HuggingFace, CheckpointInfo? Checkpoint) : IDisposable
{
    /// <inheritdoc/>
    public void Dispose() => Model.Dispose();
}

/// <summary>Model folders Forge reads: its own checkpoints (<c>checkpoint.json</c>) and Hugging Face folders (<c>config.json</c>).</summary>
public static class ModelFolder
{
    /// <summary>True when <paramref name="directory"/> is a Forge checkpoint.</summary>
    public static bool IsCheckpoint(string directory) => File.Exists(Path.Combine(directory, "checkpoint.json"));

    /// <summary>Loads either kind in <paramref name="dtype"/> (default: as stored) on <paramref name="device"/> (default CPU); a checkpoint's LoRA adapters are merged in.</summary>
    public static LoadedModel Load(string directory, ScalarType? dtype = null, Device? device = null)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"{directory}: model folder not found.");
        if (IsCheckpoint(directory))
        {
            var loaded = Checkpoint.Load(directory, device, mergeAdapters: true);
            if (dtype is { } type && type != loaded.Model.DType)
                loaded.Model.to(type);
            return new LoadedModel(loaded.Model, null, loaded.Info);
        }
        if (HfModelLoader.IsModelFolder(directory))
        {
            var model = HfModelLoader.Load(directory, dtype, device);
            return new LoadedModel(model.Model, model.Info, null);
        }
        throw new FileNotFoundException($"{directory}: neither a Forge checkpoint (checkpoint.json) nor a Hugging Face model folder (config.json).", directory);
    }

    /// <summary>
    /// Per-position logits [T][V] in float32 for one sequence of <paramref name="ids"/> (each in [0, vocab), at most
    /// max_seq_len of them); <see cref="ArgumentException"/> names the offending id.
    /// </summary>
    public static float[][] Logits(CausalTransformer model, IReadOnlyList<long> ids)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
            throw new ArgumentException("--ids: give at least one token id.");
        if (ids.Count > model.Config.MaxSeqLen)
            throw new ArgumentException($"--ids: {ids.Count} ids exceed the model's context of {model.Config.MaxSeqLen}.");
        var bad = ids.Select((id, i) => (id, i)).FirstOrDefault(x => x.id < 0 || x.id >= model.Config.VocabSize);
        if (bad.id < 0 || bad.id >= model.Config.VocabSize)
            throw new ArgumentException($"--ids: id {bad.id} at position {bad.i} is outside the vocabulary [0, {model.Config.VocabSize}).");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var wasTraining = model.training;
        model.eval();
        try
        {
            var logits = model.call(tensor(ids.ToArray()).unsqueeze(0).to(model.Device))[0].to(ScalarType.Float32).cpu(); // [T, V]
            var values = logits.data<float>().ToArray();
            var v = model.Config.VocabSize;
            return [.. Enumerable.Range(0, ids.Count).Select(t => values.AsSpan(t * v, v).ToArray())];
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
