using Forge.Training.Model;

namespace Forge.Training.Checkpoints.Gguf;

/// <summary>What the GGUF header says about a model: llama.cpp's architecture name, a display name and the shape.</summary>
internal sealed record GgufModelShape(string Architecture, string Name, TransformerConfig Config)
{
    /// <summary>Hugging Face <c>architectures[0]</c> → llama.cpp's name (Mistral is llama.cpp's <c>llama</c>).</summary>
    public static string? ArchitectureOf(string huggingFace) => huggingFace switch
    {
        "LlamaForCausalLM" or "MistralForCausalLM" => "llama",
        "Qwen2ForCausalLM" => "qwen2",
        "Qwen3ForCausalLM" => "qwen3",
        _ => null,
    };

    /// <summary>Adds <c>general.*</c> and <c>&lt;arch&gt;.*</c> keys.</summary>
    public void AddTo(GgufWriter writer)
    {
        var (a, c) = (Architecture, Config);
        writer.Add("general.architecture", GgufValue.String(a))
            .Add("general.name", GgufValue.String(Name))
            .Add($"{a}.vocab_size", GgufValue.UInt32((uint)c.VocabSize))
            .Add($"{a}.context_length", GgufValue.UInt32((uint)c.MaxSeqLen))
            .Add($"{a}.embedding_length", GgufValue.UInt32((uint)c.DModel))
            .Add($"{a}.block_count", GgufValue.UInt32((uint)c.Layers))
            .Add($"{a}.feed_forward_length", GgufValue.UInt32((uint)c.FfHidden))
            .Add($"{a}.attention.head_count", GgufValue.UInt32((uint)c.Heads))
            .Add($"{a}.attention.head_count_kv", GgufValue.UInt32((uint)c.KvHeadCount))
            .Add($"{a}.attention.key_length", GgufValue.UInt32((uint)c.HeadDim))
            .Add($"{a}.attention.value_length", GgufValue.UInt32((uint)c.HeadDim))
            .Add($"{a}.rope.dimension_count", GgufValue.UInt32((uint)c.HeadDim))
            .Add($"{a}.rope.freq_base", GgufValue.Float32((float)c.RopeTheta))
            .Add($"{a}.attention.layer_norm_rms_epsilon", GgufValue.Float32((float)c.NormEps));
        // Llama 3 scaling travels as the rope_freqs.weight tensor (GgufRotary), linear scaling as keys.
        if (c.RopeScaling is { Kind: RopeScalingKind.Linear } linear)
            writer.Add($"{a}.rope.scaling.type", GgufValue.String("linear"))
                .Add($"{a}.rope.scaling.factor", GgufValue.Float32((float)linear.Factor));
    }
}
