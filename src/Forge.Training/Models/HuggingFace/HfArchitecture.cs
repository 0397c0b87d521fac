namespace Forge.Training.Models.HuggingFace;

/// <summary>How the sliding-window fields of an architecture's config switch the window on.</summary>
internal enum SlidingWindowFields
{
    /// <summary>The architecture has no sliding window (Llama).</summary>
    None,

    /// <summary><c>sliding_window</c> is the window whenever it is not null (Mistral).</summary>
    WindowWhenSet,

    /// <summary><c>use_sliding_window</c> switches it on, for the layers from <c>max_window_layers</c> or named in <c>layer_types</c> (Qwen2, Qwen3).</summary>
    UseSlidingWindow,
}

/// <summary>
/// A Hugging Face causal-LM architecture Forge loads: its <c>model_type</c>, the fields its modeling code reads
/// beyond the common ones, and the defaults its config class gives them.
/// </summary>
internal sealed record HfArchitecture(
    string Name,
    string ModelType,
    bool QkvBiasAlways,
    bool QkNorm,
    bool AttentionBiasField,
    bool MlpBiasField,
    SlidingWindowFields SlidingWindow,
    int? DefaultKvHeads,
    int? DefaultHeadDim,
    int DefaultMaxPositions)
{
    public static IReadOnlyList<HfArchitecture> All { get; } =
    [
        new("LlamaForCausalLM", "llama", QkvBiasAlways: false, QkNorm: false, AttentionBiasField: true, MlpBiasField: true,
            SlidingWindowFields.None, DefaultKvHeads: null, DefaultHeadDim: null, DefaultMaxPositions: 2048),
        new("MistralForCausalLM", "mistral", QkvBiasAlways: false, QkNorm: false, AttentionBiasField: false, MlpBiasField: false,
            SlidingWindowFields.WindowWhenSet, DefaultKvHeads: 8, DefaultHeadDim: null, DefaultMaxPositions: 4096 * 32),
        new("Qwen2ForCausalLM", "qwen2", QkvBiasAlways: true, QkNorm: false, AttentionBiasField: false, MlpBiasField: false,
            SlidingWindowFields.UseSlidingWindow, DefaultKvHeads: 32, DefaultHeadDim: null, DefaultMaxPositions: 32768),
        new("Qwen3ForCausalLM", "qwen3", QkvBiasAlways: false, QkNorm: true, AttentionBiasField: true, MlpBiasField: false,
            SlidingWindowFields.UseSlidingWindow, DefaultKvHeads: 32, DefaultHeadDim: 128, DefaultMaxPositions: 32768),
    ];

    public static HfArchitecture? Find(string name) => All.FirstOrDefault(a => a.Name == name);

    public static string Supported => string.Join(", ", All.Select(a => a.Name));
}
