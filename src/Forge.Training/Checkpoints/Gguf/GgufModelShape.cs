namespace Forge.Training.Checkpoints.Gguf;

/// <summary>Rotary scaling of a checkpoint: <c>linear</c> (positions divided by the factor) or <c>llama3</c>.</summary>
internal sealed record GgufRopeScaling(string Type, double Factor, double LowFreqFactor = 1, double HighFreqFactor = 4, double OriginalContext = 8192);

/// <summary>What the GGUF header says about a model: llama.cpp's architecture name and its hyper-parameters.</summary>
internal sealed record GgufModelShape
{
    public required string Architecture { get; init; }
    public required string Name { get; init; }
    public required int VocabSize { get; init; }
    public required int Hidden { get; init; }
    public required int Layers { get; init; }
    public required int Heads { get; init; }
    public required int KvHeads { get; init; }
    public required int HeadDim { get; init; }
    public required int FfHidden { get; init; }
    public required int ContextLength { get; init; }
    public required double RopeTheta { get; init; }
    public required double NormEps { get; init; }
    public required bool TiedEmbeddings { get; init; }
    public GgufRopeScaling? RopeScaling { get; init; }
    public int? BosId { get; init; }
    public int? EosId { get; init; }

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
        var a = Architecture;
        writer.Add("general.architecture", GgufValue.String(a))
            .Add("general.name", GgufValue.String(Name))
            .Add($"{a}.vocab_size", GgufValue.UInt32((uint)VocabSize))
            .Add($"{a}.context_length", GgufValue.UInt32((uint)ContextLength))
            .Add($"{a}.embedding_length", GgufValue.UInt32((uint)Hidden))
            .Add($"{a}.block_count", GgufValue.UInt32((uint)Layers))
            .Add($"{a}.feed_forward_length", GgufValue.UInt32((uint)FfHidden))
            .Add($"{a}.attention.head_count", GgufValue.UInt32((uint)Heads))
            .Add($"{a}.attention.head_count_kv", GgufValue.UInt32((uint)KvHeads))
            .Add($"{a}.attention.key_length", GgufValue.UInt32((uint)HeadDim))
            .Add($"{a}.attention.value_length", GgufValue.UInt32((uint)HeadDim))
            .Add($"{a}.rope.dimension_count", GgufValue.UInt32((uint)HeadDim))
            .Add($"{a}.rope.freq_base", GgufValue.Float32((float)RopeTheta))
            .Add($"{a}.attention.layer_norm_rms_epsilon", GgufValue.Float32((float)NormEps));
        switch (RopeScaling)
        {
            case { Type: "linear" } linear:
                writer.Add($"{a}.rope.scaling.type", GgufValue.String("linear"))
                    .Add($"{a}.rope.scaling.factor", GgufValue.Float32((float)linear.Factor));
                break;
            case { Type: "llama3" }:
                // llama.cpp applies Llama 3 scaling through the per-pair divisors of rope_freqs.weight (see GgufRotary).
                break;
            case { } other:
                throw new InvalidDataException($"rope_scaling type '{other.Type}' cannot be written to GGUF (supported: linear, llama3).");
        }
    }
}
