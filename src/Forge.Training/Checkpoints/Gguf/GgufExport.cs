using Forge.Training.Model;
using static TorchSharp.torch;

namespace Forge.Training.Checkpoints.Gguf;

/// <summary>
/// Writes a Hugging Face model folder (<c>config.json</c>, safetensors weights, <c>tokenizer.json</c>) as one GGUF
/// file that llama.cpp (and what builds on it: Ollama, LM Studio, LLamaSharp) runs: architectures <c>llama</c>
/// (Llama, Mistral), <c>qwen2</c> and <c>qwen3</c>; matrices in F32, F16 or BF16, norms, biases and rotary factors
/// always in F32.
/// </summary>
public static class GgufExport
{
    // Weights llama.cpp's qwen2/qwen3 graphs have no place for (its llama graph takes them all).
    private static readonly string[] LlamaOnly = [".attn_output.bias", ".ffn_gate.bias", ".ffn_up.bias", ".ffn_down.bias"];

    /// <summary>Converts <paramref name="modelDirectory"/> to <paramref name="ggufPath"/> with matrices in <paramref name="type"/>.</summary>
    public static void Write(string modelDirectory, string ggufPath, GgmlType type = GgmlType.F32)
    {
        var (shape, specialIds) = HfShape.Read(modelDirectory);
        var writer = new GgufWriter();
        shape.AddTo(writer);
        GgufTokenizer.AddTo(writer, modelDirectory, shape.Config.VocabSize, specialIds);
        using var weights = HfWeights.Open(modelDirectory);
        AddTensors(writer, shape, weights, type);
        writer.Write(ggufPath);
    }

    private static void AddTensors(GgufWriter writer, GgufModelShape shape, HfWeights weights, GgmlType type)
    {
        var config = shape.Config;
        var entries = new List<(string Gguf, string Hf)>();
        foreach (var name in weights.Names)
        {
            var gguf = GgufTensorNames.Map.Map(name)
                ?? throw new InvalidDataException($"{weights.FileOf(name)}: tensor '{name}' has no GGUF counterpart.");
            if (gguf == "" || (gguf == "output.weight" && config.TieEmbeddings))
                continue;
            if (shape.Architecture != "llama" && LlamaOnly.Any(gguf.EndsWith))
                throw new InvalidDataException($"{weights.FileOf(name)}: tensor '{name}': llama.cpp's {shape.Architecture} architecture has no place for it.");
            entries.Add((gguf, name));
        }
        if (config.RopeScaling is { Kind: RopeScalingKind.Llama3 })
        {
            if (shape.Architecture != "llama")
                throw new InvalidDataException($"rope_scaling of type llama3 is written only for llama.cpp's llama architecture, not {shape.Architecture}.");
            var factors = GgufRotary.FrequencyFactors(config);
            writer.AddTensor("rope_freqs.weight", [factors.Length], GgmlType.F32, () => tensor(factors));
        }
        foreach (var (gguf, hf) in entries.OrderBy(e => GgufTensorNames.SortKey(e.Gguf)))
        {
            var dims = weights.Shape(hf);
            // llama.cpp's llama graph rotates adjacent pairs: q and k rows are interleaved per head (GgufRotary).
            var heads = shape.Architecture != "llama" ? 0
                : gguf.Contains(".attn_q.", StringComparison.Ordinal) ? config.Heads
                : gguf.Contains(".attn_k.", StringComparison.Ordinal) ? config.KvHeadCount : 0;
            var elementType = dims.Length == 1 ? GgmlType.F32 : type;
            writer.AddTensor(gguf, dims, elementType, () =>
            {
                var t = weights.Read(hf).to_type(ScalarType.Float32);
                if (heads > 0)
                    t = GgufRotary.InterleaveHalves(t, heads);
                return t.to_type(GgufWriter.DType(elementType)).contiguous();
            });
        }
    }
}
