using System.Text.Json;
using System.Text.Json.Nodes;
using Forge.Training.Model;

namespace Forge.Training.Models.HuggingFace;

/// <summary>What a <c>config.json</c> says, read field by field: the model shape and a verdict on every field.</summary>
/// <param name="Architecture">The supported architecture named in <c>architectures</c>, or null.</param>
/// <param name="ModelConfig">The shape of Forge's model (refused fields aside), or null when required fields are missing or wrong.</param>
/// <param name="TorchDType">The stored dtype (<c>torch_dtype</c> or <c>dtype</c>), e.g. "bfloat16", or null.</param>
/// <param name="Notes">Every field with its verdict.</param>
/// <param name="Problems">Why the model cannot be loaded (refused fields, missing or malformed fields); empty when it can.</param>
internal sealed record HfConfigReading(
    HfArchitecture? Architecture, TransformerConfig? ModelConfig, string? TorchDType,
    IReadOnlyList<ConfigNote> Notes, IReadOnlyList<string> Problems);

/// <summary>
/// Reads a Hugging Face <c>config.json</c> of a supported architecture into a <see cref="TransformerConfig"/>.
/// Every field the architecture's modeling code reads is either honoured or refused by name; other fields do
/// not enter the forward pass and are listed as ignored.
/// </summary>
internal sealed partial class HfConfigReader
{
    // Fields the forward pass never reads (bookkeeping, generation defaults, runtime switches).
    private static readonly Dictionary<string, string> Bookkeeping = new()
    {
        ["architectures"] = "names the architecture", ["model_type"] = "names the architecture",
        ["torch_dtype"] = "the stored dtype: the default load dtype", ["dtype"] = "the stored dtype: the default load dtype",
        ["transformers_version"] = "bookkeeping", ["_name_or_path"] = "bookkeeping", ["use_cache"] = "a runtime switch",
        ["initializer_range"] = "used only to initialise fresh weights", ["bos_token_id"] = "a token id (see the description)",
        ["eos_token_id"] = "a token id (see the description)",
        ["pad_token_id"] = "a token id; the embedding row is loaded like any other",
        ["pretraining_tp"] = "splits matmuls during pretraining; the result is the same product",
    };

    private readonly JsonObject json;
    private readonly List<ConfigNote> notes = [];
    private readonly List<string> problems = [];
    private readonly HashSet<string> seen = [];

    private HfConfigReader(JsonObject json) => this.json = json;

    public static HfConfigReading Read(JsonObject json)
    {
        var reader = new HfConfigReader(json);
        return reader.ReadAll();
    }

    private HfConfigReading ReadAll()
    {
        var architecture = ReadArchitecture();
        var torchDType = ReadDType();
        TransformerConfig? config = null;
        if (architecture is not null)
            config = ReadShape(architecture);
        foreach (var (field, node) in json)
            if (!seen.Contains(field))
                Note(field, ConfigVerdict.Ignored, Bookkeeping.TryGetValue(field, out var why)
                    ? why
                    : $"not read by {architecture?.Name ?? "the architecture"}'s forward pass");
        return new HfConfigReading(architecture, config, torchDType, notes, problems);
    }

    private HfArchitecture? ReadArchitecture()
    {
        seen.Add("architectures");
        seen.Add("model_type");
        if (json["architectures"] is not JsonArray { Count: > 0 } names || names.Any(n => n is not JsonValue v || v.GetValueKind() != JsonValueKind.String))
        {
            Problem("$.architectures: missing or not a list of names; Forge loads " + HfArchitecture.Supported);
            return null;
        }
        var name = names[0]!.GetValue<string>();
        var architecture = HfArchitecture.Find(name);
        if (architecture is null || names.Count > 1)
        {
            Problem($"$.architectures: {string.Join(", ", names.Select(n => $"'{n}'"))} is not supported; Forge loads {HfArchitecture.Supported}");
            return null;
        }
        var modelType = json["model_type"] is JsonValue t && t.GetValueKind() == JsonValueKind.String ? t.GetValue<string>() : null;
        if (modelType is not null && modelType != architecture.ModelType)
            Problem($"$.model_type: '{modelType}' does not match {architecture.Name} (expected '{architecture.ModelType}')");
        Note("architectures", ConfigVerdict.Honoured, name);
        if (modelType is not null)
            Note("model_type", ConfigVerdict.Honoured, modelType);
        return architecture;
    }

    private string? ReadDType()
    {
        var field = json.ContainsKey("torch_dtype") ? "torch_dtype" : json.ContainsKey("dtype") ? "dtype" : null;
        if (field is null)
            return null;
        var name = json[field] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
        Note(field, ConfigVerdict.Honoured, $"{name ?? json[field]?.ToJsonString() ?? "null"}: the default load dtype");
        return name;
    }

    private TransformerConfig? ReadShape(HfArchitecture arch)
    {
        var vocab = Int("vocab_size", required: true);
        var hidden = Int("hidden_size", required: true);
        var intermediate = Int("intermediate_size", required: true);
        var layers = Int("num_hidden_layers", required: true);
        var heads = Int("num_attention_heads", required: true);
        var kvHeads = Int("num_key_value_heads") ?? arch.DefaultKvHeads ?? heads;
        var maxPositions = Int("max_position_embeddings") ?? arch.DefaultMaxPositions;
        var normEps = Double("rms_norm_eps") ?? 1e-6;
        var tie = Bool("tie_word_embeddings") ?? false;
        var headDim = Int("head_dim") ?? arch.DefaultHeadDim;
        if (headDim is null && hidden is > 0 && heads is > 0)
            headDim = hidden / heads;
        var activation = String("hidden_act") ?? "silu";
        if (activation != "silu")
            Refuse("hidden_act", $"'{activation}': Forge's MLP is SwiGLU with silu");

        var attentionBias = arch.AttentionBiasField && (Bool("attention_bias") ?? false);
        var mlpBias = arch.MlpBiasField && (Bool("mlp_bias") ?? false);
        if (arch.AttentionBiasField) Honour("attention_bias", attentionBias ? "biases on q, k, v and o projections" : "no attention biases");
        if (arch.MlpBiasField) Honour("mlp_bias", mlpBias ? "biases on the MLP projections" : "no MLP biases");
        if (arch.QkvBiasAlways) notes.Add(new ConfigNote("(architecture)", ConfigVerdict.Honoured, $"{arch.Name}: biases on q, k, v"));
        if (arch.QkNorm) notes.Add(new ConfigNote("(architecture)", ConfigVerdict.Honoured, $"{arch.Name}: per-head RMSNorm on q and k"));

        var attentionDropout = Double("attention_dropout") ?? 0;
        if (attentionDropout != 0)
            Refuse("attention_dropout", $"{attentionDropout}: Forge's dropout also drops residual branches; set it to 0");
        else if (json.ContainsKey("attention_dropout"))
            Note("attention_dropout", ConfigVerdict.Ignored, "0: no dropout");
        var partialRotary = Double("partial_rotary_factor") ?? 1;
        if (partialRotary != 1)
            Refuse("partial_rotary_factor", $"{partialRotary}: Forge rotates the whole head");
        if (json.ContainsKey("quantization_config"))
        {
            seen.Add("quantization_config");
            Refuse("quantization_config", "quantized weights are not loaded; use an F32, F16 or BF16 checkpoint");
        }

        var (theta, scaling) = ReadRope();
        if (layers is { } n)
            ReadSlidingWindow(arch, n, maxPositions);

        foreach (var (field, value) in new (string, object?)[]
        {
            ("vocab_size", vocab), ("hidden_size", hidden), ("intermediate_size", intermediate), ("num_hidden_layers", layers),
            ("num_attention_heads", heads), ("num_key_value_heads", kvHeads), ("head_dim", headDim),
            ("max_position_embeddings", maxPositions), ("rms_norm_eps", normEps), ("tie_word_embeddings", tie), ("hidden_act", activation),
        })
            if (value is not null && (field != "hidden_act" || activation == "silu"))
                Honour(field, (value is bool b ? (b ? "true" : "false") : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!)
                    + (json.ContainsKey(field) ? "" : $" ({arch.Name} default)"));

        if (vocab is null || hidden is null || intermediate is null || layers is null || heads is null || headDim is null)
            return null;
        var config = new TransformerConfig
        {
            VocabSize = vocab.Value, DModel = hidden.Value, Layers = layers.Value, Heads = heads.Value,
            KvHeads = kvHeads == heads ? null : kvHeads,
            HeadSize = headDim == hidden / heads && hidden % heads == 0 ? null : headDim,
            FfHiddenSize = intermediate, MaxSeqLen = maxPositions, RopeTheta = theta, Dropout = 0, Mlp = MlpKind.SwiGlu,
            TieEmbeddings = tie, NormEps = normEps, QkvBias = arch.QkvBiasAlways || attentionBias, OutputBias = attentionBias,
            MlpBias = mlpBias, QkNorm = arch.QkNorm, RopeScaling = scaling,
        };
        try
        {
            return config.Validate();
        }
        catch (ArgumentException e)
        {
            Problem(e.Message);
            return null;
        }
    }

    // rope_theta + rope_scaling, or transformers 5's rope_parameters (rope_type, rope_theta and the scaling keys).
    private (double Theta, RopeScaling? Scaling) ReadRope()
    {
        var parametersField = json.ContainsKey("rope_parameters") ? "rope_parameters" : null;
        var theta = Double("rope_theta");
        var scalingField = parametersField ?? "rope_scaling";
        seen.Add(scalingField);
        if (json[scalingField] is not JsonObject scaling)
        {
            if (json[scalingField] is not null)
                Problem($"$.{scalingField}: expected an object or null");
            else if (json.ContainsKey(scalingField))
                Note(scalingField, ConfigVerdict.Honoured, "null: no rescaling");
            Honour("rope_theta", $"{theta ?? 10000}" + (theta is null ? " (default)" : ""));
            return (theta ?? 10000, null);
        }
        var path = $"$.{scalingField}";
        theta ??= scaling["rope_theta"] is JsonValue t && t.TryGetValue<double>(out var v) ? v : null;
        Honour("rope_theta", $"{theta ?? 10000}");
        var typeKey = scaling.ContainsKey("rope_type") ? "rope_type" : "type";
        var type = scaling[typeKey] is JsonValue tv && tv.GetValueKind() == JsonValueKind.String ? tv.GetValue<string>() : null;
        switch (type)
        {
            case null or "default":
                Note(scalingField, ConfigVerdict.Honoured, "no rescaling");
                return (theta ?? 10000, null);
            case "linear":
            case "llama3":
                double? Number(string key) => scaling[key] is JsonValue n && n.TryGetValue<double>(out var d) ? d : null;
                var result = new RopeScaling
                {
                    Kind = type == "linear" ? RopeScalingKind.Linear : RopeScalingKind.Llama3,
                    Factor = Number("factor") ?? double.NaN,
                    LowFreqFactor = type == "llama3" ? Number("low_freq_factor") : null,
                    HighFreqFactor = type == "llama3" ? Number("high_freq_factor") : null,
                    OriginalMaxPositions = type == "llama3" ? (int?)Number("original_max_position_embeddings") : null,
                };
                if (result.Problem() is { } problem)
                {
                    Problem($"{path}: {problem}");
                    return (theta ?? 10000, null);
                }
                foreach (var (key, _) in scaling)
                    if (key is not ("rope_type" or "type" or "factor" or "low_freq_factor" or "high_freq_factor" or "original_max_position_embeddings" or "rope_theta"))
                        Refuse($"{scalingField}.{key}", $"is not part of {type} scaling as Forge implements it");
                Note(scalingField, ConfigVerdict.Honoured, $"{type}, factor {result.Factor}");
                return (theta ?? 10000, result);
            default:
                Refuse($"{scalingField}.{typeKey}", $"'{type}' is not implemented; Forge honours default, linear and llama3");
                return (theta ?? 10000, null);
        }
    }

    private void ReadSlidingWindow(HfArchitecture arch, int layers, int maxPositions)
    {
        if (arch.SlidingWindow == SlidingWindowFields.None)
            return;
        var use = arch.SlidingWindow == SlidingWindowFields.WindowWhenSet || (Bool("use_sliding_window") ?? false);
        var window = Int("sliding_window");
        var slidingLayers = Enumerable.Range(0, layers).ToList();
        if (arch.SlidingWindow == SlidingWindowFields.UseSlidingWindow)
        {
            var fromLayer = Int("max_window_layers") ?? 28;
            slidingLayers = [.. Enumerable.Range(0, layers).Where(i => i >= fromLayer)];
            seen.Add("layer_types");
            if (json["layer_types"] is JsonArray types)
            {
                slidingLayers = [];
                for (var i = 0; i < types.Count; i++)
                {
                    var type = types[i] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
                    if (type == "sliding_attention") slidingLayers.Add(i);
                    else if (type != "full_attention") Refuse($"layer_types[{i}]", $"'{type}' is not an attention kind Forge implements");
                }
            }
            else if (json["layer_types"] is not null)
                Problem("$.layer_types: expected a list");
        }
        var active = use && window is not null && slidingLayers.Count > 0;
        if (active && window < maxPositions)
        {
            var field = arch.SlidingWindow == SlidingWindowFields.UseSlidingWindow ? "use_sliding_window" : "sliding_window";
            Refuse(field, $"a sliding window of {window} tokens (< max_position_embeddings {maxPositions}) on layers " +
                $"{slidingLayers[0]}–{slidingLayers[^1]}: Forge attends over the whole context");
        }
        else
            Note("sliding_window", ConfigVerdict.Ignored, active
                ? $"{window} ≥ max_position_embeddings: never narrower than the context"
                : "no layer uses a sliding window" + (use ? "" : " (use_sliding_window is false)"));
    }
}
