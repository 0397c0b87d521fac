using System.Text.Json.Nodes;
using Forge.Training.Model;
using static TorchSharp.torch;

namespace Forge.Training.Models.HuggingFace;

/// <summary>
/// What a Hugging Face model folder describes, without its weights: the architecture, the config as written (to
/// write back on export), Forge's model shape, token ids, and Forge's verdict on every config field.
/// </summary>
public sealed record HfModelInfo
{
    /// <summary>The model folder.</summary>
    public required string Directory { get; init; }

    /// <summary>The architecture named in <c>config.json</c> (e.g. <c>Qwen3ForCausalLM</c>), or null when it names none Forge knows.</summary>
    public string? Architecture { get; init; }

    /// <summary><c>config.json</c> as read.</summary>
    public required JsonObject Config { get; init; }

    /// <summary><c>generation_config.json</c> as read, or null when the folder has none.</summary>
    public JsonObject? GenerationConfig { get; init; }

    /// <summary>The shape of Forge's model for this config (refused fields aside), or null when required fields are missing.</summary>
    public TransformerConfig? ModelConfig { get; init; }

    /// <summary>The stored dtype named by <c>torch_dtype</c> (or <c>dtype</c>), e.g. "bfloat16"; null when not given.</summary>
    public string? TorchDType { get; init; }

    /// <summary>Beginning-of-sequence id (generation_config.json, else config.json), or null.</summary>
    public int? BosTokenId { get; init; }

    /// <summary>End-of-sequence ids (generation_config.json, else config.json; some models have several).</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary>Padding id, or null.</summary>
    public int? PadTokenId { get; init; }

    /// <summary>Context length: <c>max_position_embeddings</c> (the model's <c>max_seq_len</c>).</summary>
    public int? MaxSeqLen => ModelConfig?.MaxSeqLen;

    /// <summary>Every config field with Forge's verdict.</summary>
    public IReadOnlyList<ConfigNote> Notes { get; init; } = [];

    /// <summary>Why Forge cannot load this model (refused or malformed fields); empty when it can.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>Tokenizer and chat-template files present in the folder.</summary>
    public IReadOnlyList<string> TokenizerFiles { get; init; } = [];

    /// <summary>True when the folder carries a chat template.</summary>
    public bool HasChatTemplate { get; init; }

    /// <summary>The dtype <c>torch_dtype</c> names, or null when absent or not float32/float16/bfloat16.</summary>
    public ScalarType? StoredScalarType => HfDTypes.Parse(TorchDType);

    /// <summary>Throws <see cref="InvalidDataException"/> listing every problem, naming config.json.</summary>
    public void ThrowIfUnloadable()
    {
        if (Problems.Count > 0 || ModelConfig is null)
            throw new InvalidDataException($"{Path.Combine(Directory, HfModelLoader.ConfigFile)}: Forge cannot load this model: {string.Join("; ", Problems)}.");
    }
}

/// <summary>Hugging Face dtype names ↔ TorchSharp scalar types.</summary>
public static class HfDTypes
{
    /// <summary>"float32"/"float16"/"bfloat16" (also "f32", "fp32", "f16", "fp16", "bf16") → the scalar type; null otherwise.</summary>
    public static ScalarType? Parse(string? name) => name?.ToLowerInvariant() switch
    {
        "float32" or "f32" or "fp32" or "float" => ScalarType.Float32,
        "float16" or "f16" or "fp16" or "half" => ScalarType.Float16,
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        _ => null,
    };

    /// <summary>The Hugging Face name of a float dtype ("float32", "float16", "bfloat16").</summary>
    public static string Name(ScalarType type) => type switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.Float16 => "float16",
        ScalarType.BFloat16 => "bfloat16",
        _ => throw new ArgumentException($"dtype {type} has no Hugging Face model form (float32, float16, bfloat16)."),
    };
}
