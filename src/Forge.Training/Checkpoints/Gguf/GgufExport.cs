using System.Text.Json.Nodes;
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
    /// <summary>Converts <paramref name="modelDirectory"/> to <paramref name="ggufPath"/> with matrices in <paramref name="type"/>.</summary>
    public static void Write(string modelDirectory, string ggufPath, GgmlType type = GgmlType.F32)
    {
        var shape = HfShape.Read(modelDirectory);
        var writer = new GgufWriter();
        shape.AddTo(writer);
        GgufTokenizer.AddTo(writer, modelDirectory, shape.VocabSize, (shape.BosId, shape.EosId));
        using var weights = HfWeights.Open(modelDirectory);
        AddTensors(writer, shape, weights, type);
        writer.Write(ggufPath);
    }

    private static void AddTensors(GgufWriter writer, GgufModelShape shape, HfWeights weights, GgmlType type)
    {
        var entries = new List<(string Gguf, string Hf)>();
        foreach (var name in weights.Names)
        {
            var gguf = GgufTensorNames.Map.Map(name)
                ?? throw new InvalidDataException($"{weights.FileOf(name)}: tensor '{name}' has no GGUF counterpart (architecture {shape.Architecture}).");
            if (gguf == "" || (gguf == "output.weight" && shape.TiedEmbeddings))
                continue;
            entries.Add((gguf, name));
        }
        if (!entries.Any(e => e.Gguf == "token_embd.weight"))
            throw new InvalidDataException($"{weights.Directory}: no 'model.embed_tokens.weight' tensor.");
        if (shape.RopeScaling is { Type: "llama3" } s)
        {
            if (shape.Architecture != "llama")
                throw new InvalidDataException($"rope_scaling type 'llama3' is only written for llama.cpp's llama architecture, not {shape.Architecture}.");
            var factors = GgufRotary.Llama3FrequencyFactors(shape.HeadDim, shape.RopeTheta, s.Factor, s.LowFreqFactor, s.HighFreqFactor, s.OriginalContext);
            writer.AddTensor("rope_freqs.weight", [factors.Length], GgmlType.F32, () => tensor(factors));
        }
        foreach (var (gguf, hf) in entries.OrderBy(e => GgufTensorNames.SortKey(e.Gguf)))
        {
            var dims = weights.Shape(hf);
            var heads = shape.Architecture != "llama" ? 0
                : gguf.Contains(".attn_q.", StringComparison.Ordinal) ? shape.Heads
                : gguf.Contains(".attn_k.", StringComparison.Ordinal) ? shape.KvHeads : 0;
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
