using System.Text.Json.Nodes;
using Forge.Training.Model;
using static TorchSharp.torch;

namespace Forge.Training.Models.HuggingFace;

/// <summary>
/// Writes the Hugging Face <c>config.json</c> for a model of Forge's shape: Qwen3ForCausalLM when it has q/k norm,
/// Qwen2ForCausalLM when it has q/k/v biases only, LlamaForCausalLM otherwise. A shape none of them expresses (a
/// GELU MLP, biases in combinations no architecture has) is refused with the reason.
/// </summary>
public static class HfConfigWriter
{
    /// <summary>The architecture a model of this shape exports as; throws <see cref="ArgumentException"/> saying why none fits.</summary>
    public static string ArchitectureFor(TransformerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Mlp != MlpKind.SwiGlu)
            throw new ArgumentException($"cannot export as a Hugging Face model: the MLP is {config.Mlp}; Llama, Qwen2 and Qwen3 use SwiGLU.");
        if (config.QkNorm)
            return config.QkvBias == config.OutputBias && !config.MlpBias
                ? "Qwen3ForCausalLM"
                : throw new ArgumentException("cannot export as a Hugging Face model: q/k norm goes with Qwen3ForCausalLM, which has biases on all four attention projections or none, and no MLP biases.");
        if (config.QkvBias && !config.OutputBias)
            return !config.MlpBias
                ? "Qwen2ForCausalLM"
                : throw new ArgumentException("cannot export as a Hugging Face model: q/k/v biases without an output bias go with Qwen2ForCausalLM, which has no MLP biases.");
        return config.QkvBias == config.OutputBias
            ? "LlamaForCausalLM"
            : throw new ArgumentException("cannot export as a Hugging Face model: an output bias without q/k/v biases has no architecture.");
    }

    /// <summary>The <c>config.json</c> object for <paramref name="config"/> stored in <paramref name="dtype"/>.</summary>
    public static JsonObject ConfigFor(TransformerConfig config, ScalarType dtype, int? bosTokenId = null, int? eosTokenId = null)
    {
        var name = ArchitectureFor(config);
        var architecture = HfArchitecture.Find(name)!;
        var json = new JsonObject
        {
            ["architectures"] = new JsonArray(name),
            ["model_type"] = architecture.ModelType,
            ["vocab_size"] = config.VocabSize,
            ["hidden_size"] = config.DModel,
            ["intermediate_size"] = config.FfHidden,
            ["num_hidden_layers"] = config.Layers,
            ["num_attention_heads"] = config.Heads,
            ["num_key_value_heads"] = config.KvHeadCount,
            ["head_dim"] = config.HeadDim,
            ["hidden_act"] = "silu",
            ["max_position_embeddings"] = config.MaxSeqLen,
            ["rms_norm_eps"] = config.NormEps,
            ["rope_theta"] = config.RopeTheta,
            ["rope_scaling"] = RopeScalingJson(config.RopeScaling),
            ["tie_word_embeddings"] = config.TieEmbeddings,
            ["attention_dropout"] = 0.0,
            ["initializer_range"] = 0.02,
            ["torch_dtype"] = HfDTypes.Name(dtype),
            ["use_cache"] = true,
        };
        if (architecture.AttentionBiasField)
            json["attention_bias"] = config.OutputBias;
        if (architecture.MlpBiasField)
            json["mlp_bias"] = config.MlpBias;
        if (architecture.SlidingWindow == SlidingWindowFields.UseSlidingWindow)
            json["use_sliding_window"] = false;
        if (bosTokenId is { } bos)
            json["bos_token_id"] = bos;
        if (eosTokenId is { } eos)
            json["eos_token_id"] = eos;
        return json;
    }

    private static JsonObject? RopeScalingJson(RopeScaling? scaling) => scaling switch
    {
        null => null,
        { Kind: RopeScalingKind.Linear } => new JsonObject { ["rope_type"] = "linear", ["factor"] = scaling.Factor },
        _ => new JsonObject
        {
            ["rope_type"] = "llama3", ["factor"] = scaling.Factor, ["low_freq_factor"] = scaling.LowFreqFactor,
            ["high_freq_factor"] = scaling.HighFreqFactor, ["original_max_position_embeddings"] = scaling.OriginalMaxPositions,
        },
    };
}
