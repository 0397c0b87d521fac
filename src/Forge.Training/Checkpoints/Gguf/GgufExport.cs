using Forge.Training.Model;
using Forge.Training.Models.HuggingFace;
using static TorchSharp.torch;

namespace Forge.Training.Checkpoints.Gguf;

/// <summary>What a GGUF export wrote.</summary>
/// <param name="Path">The GGUF file.</param>
/// <param name="Architecture">llama.cpp's architecture name (<c>llama</c>, <c>qwen2</c>, <c>qwen3</c>).</param>
/// <param name="Tensors">Number of tensors written.</param>
public sealed record GgufExportResult(string Path, string Architecture, int Tensors);

/// <summary>
/// Writes a model as one GGUF file that llama.cpp (and what builds on it: Ollama, LM Studio, LLamaSharp) runs:
/// a Hugging Face folder (Llama, Mistral → <c>llama</c>; Qwen2 → <c>qwen2</c>; Qwen3 → <c>qwen3</c>) or a Forge
/// checkpoint (exported as the architecture its shape is, with its tokenizer's Hugging Face files). Matrices in
/// F32, F16 or BF16; norms, biases and rotary factors always in F32. A Hugging Face folder's tensors are read
/// straight from its memory-mapped safetensors by their own names, one at a time (no model is built, so a GGUF
/// file checks Forge's loader independently); a checkpoint's come from the loaded model.
/// </summary>
public static class GgufExport
{
    // Weights llama.cpp's qwen2/qwen3 graphs have no place for (its llama graph takes them all).
    private static readonly string[] LlamaOnly = [".attn_output.bias", ".ffn_gate.bias", ".ffn_up.bias", ".ffn_down.bias"];

    /// <summary>Exports a Forge checkpoint directory or a Hugging Face model folder to <paramref name="ggufPath"/>.</summary>
    public static GgufExportResult Write(string source, string ggufPath, GgmlType type = GgmlType.F32)
    {
        if (File.Exists(Path.Combine(source, "checkpoint.json")))
            return WriteCheckpoint(source, ggufPath, type);
        if (HfModelLoader.IsModelFolder(source))
            return WriteHuggingFace(source, ggufPath, type);
        throw new FileNotFoundException($"{source}: neither a Forge checkpoint (checkpoint.json) nor a Hugging Face model folder (config.json).", source);
    }

    private static GgufExportResult WriteHuggingFace(string folder, string ggufPath, GgmlType type)
    {
        var info = HfModelLoader.ReadInfo(folder);
        info.ThrowIfUnloadable();
        var tokenizer = GgufTokenizerSource.FromFolder(folder);
        using var files = HfWeightFiles.Open(folder);
        HfModelLoader.CheckWeights(folder, info, files); // names, shapes and dtypes as loading checks them, nothing read
        var config = info.ModelConfig!;
        var weights = files.Tensors
            .Where(w => !(config.TieEmbeddings && w.Tensor.Name == "lm_head.weight")) // tied: the embedding is the head
            .Select(w => new SourceWeight(w.Tensor.Name, w.File.Path, w.Tensor.Shape, () =>
            {
                var t = empty(w.Tensor.Shape, ScalarType.Float32);
                w.File.CopyInto(w.Tensor.Name, t);
                return t;
            }));
        var ids = (info.BosTokenId, info.EosTokenIds.Count > 0 ? info.EosTokenIds[0] : (int?)null);
        return Write(config, info.Architecture!, NameOf(folder), tokenizer, ids, weights, ggufPath, type);
    }

    private static GgufExportResult WriteCheckpoint(string checkpoint, string ggufPath, GgmlType type)
    {
        var info = Checkpoint.ReadInfo(checkpoint);
        var architecture = HfConfigWriter.ArchitectureFor(info.Config); // refuse before loading anything
        using var loaded = Checkpoint.Load(checkpoint, mergeAdapters: true);
        var tokenizer = GgufTokenizerSource.FromTokenizer(loaded.Tokenizer);
        var weights = loaded.Model.state_dict().Select(kv => new SourceWeight(
            WeightNameMap.ToHuggingFace.Map(kv.Key) ?? throw new InvalidOperationException($"weight '{kv.Key}' has no Hugging Face name."),
            checkpoint, kv.Value.shape, () => kv.Value.detach().cpu()));
        return Write(loaded.Model.Config, architecture, NameOf(checkpoint), tokenizer, (loaded.Tokenizer.BosId, loaded.Tokenizer.EosId), weights, ggufPath, type);
    }

    // A weight under its Hugging Face name, from File; Read gives it on the CPU (any float dtype) when the data is written.
    private sealed record SourceWeight(string Name, string File, long[] Shape, Func<Tensor> Read);

    private static GgufExportResult Write(TransformerConfig config, string huggingFaceArchitecture, string name, GgufTokenizerSource tokenizer,
        (int? Bos, int? Eos) ids, IEnumerable<SourceWeight> weights, string ggufPath, GgmlType type)
    {
        var architecture = GgufModelShape.ArchitectureOf(huggingFaceArchitecture)
            ?? throw new InvalidDataException($"architecture {huggingFaceArchitecture} has no GGUF form here (supported: Llama, Mistral, Qwen2, Qwen3).");
        var shape = new GgufModelShape(architecture, name, config);
        var writer = new GgufWriter();
        shape.AddTo(writer);
        GgufTokenizer.AddTo(writer, tokenizer, config.VocabSize, ids);
        AddTensors(writer, shape, weights, type);
        writer.Write(ggufPath);
        return new GgufExportResult(ggufPath, architecture, writer.TensorNames.Count);
    }

    private static void AddTensors(GgufWriter writer, GgufModelShape shape, IEnumerable<SourceWeight> weights, GgmlType type)
    {
        var config = shape.Config;
        var entries = new List<(string Gguf, SourceWeight Weight)>();
        foreach (var weight in weights)
        {
            var gguf = GgufTensorNames.Map.Map(weight.Name)
                ?? throw new InvalidDataException($"{weight.File}: tensor '{weight.Name}' has no GGUF name (architecture {shape.Architecture}).");
            if (gguf == "")
                continue;
            if (shape.Architecture != "llama" && LlamaOnly.Any(gguf.EndsWith))
                throw new InvalidDataException($"{weight.File}: tensor '{weight.Name}': llama.cpp's {shape.Architecture} architecture has no place for it.");
            entries.Add((gguf, weight));
        }
        if (config.RopeScaling is { Kind: RopeScalingKind.Llama3 })
        {
            if (shape.Architecture != "llama")
                throw new InvalidDataException($"rope_scaling of type llama3 is written only for llama.cpp's llama architecture, not {shape.Architecture}.");
            var factors = GgufRotary.FrequencyFactors(config);
            writer.AddTensor("rope_freqs.weight", [factors.Length], GgmlType.F32, () => tensor(factors));
        }
        foreach (var (gguf, weight) in entries.OrderBy(e => GgufTensorNames.SortKey(e.Gguf)))
        {
            // llama.cpp's llama graph rotates adjacent pairs: its q and k rows are interleaved per head (GgufRotary).
            var heads = shape.Architecture != "llama" ? 0
                : gguf.Contains(".attn_q.", StringComparison.Ordinal) ? config.Heads
                : gguf.Contains(".attn_k.", StringComparison.Ordinal) ? config.KvHeadCount : 0;
            var elementType = weight.Shape.Length == 1 ? GgmlType.F32 : type;
            writer.AddTensor(gguf, weight.Shape, elementType, () =>
            {
                var t = weight.Read().to_type(ScalarType.Float32);
                if (heads > 0)
                    t = GgufRotary.InterleaveHalves(t, heads);
                return t.to_type(GgufWriter.DType(elementType)).contiguous();
            });
        }
    }

    private static string NameOf(string directory) => Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));
}
