using System.Text.Json;
using System.Text.Json.Serialization;

namespace Forge.Training.Model;

/// <summary>Feed-forward block of a transformer layer.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MlpKind>))]
public enum MlpKind
{
    /// <summary>down(silu(gate(x)) · up(x)), as in LLaMA.</summary>
    SwiGlu,

    /// <summary>proj(gelu(fc(x))), as in GPT-2.</summary>
    Gelu,
}

/// <summary>
/// Shape of a <see cref="CausalTransformer"/>. Defaults give a tiny byte-level model; call <see cref="Validate"/>
/// (the model's constructor does) to get every problem reported at once.
/// </summary>
public sealed record TransformerConfig
{
    /// <summary>Vocabulary size (embedding rows and logits); use the tokenizer's <c>VocabSize</c>.</summary>
    [JsonPropertyName("vocab_size")] public int VocabSize { get; init; } = 512;

    /// <summary>Width of the residual stream.</summary>
    [JsonPropertyName("d_model")] public int DModel { get; init; } = 128;

    /// <summary>Number of transformer blocks.</summary>
    [JsonPropertyName("layers")] public int Layers { get; init; } = 2;

    /// <summary>Attention heads; must divide <see cref="DModel"/> into an even head size (rotary pairs).</summary>
    [JsonPropertyName("heads")] public int Heads { get; init; } = 4;

    /// <summary>Hidden width of the MLP as a multiple of <see cref="DModel"/>.</summary>
    [JsonPropertyName("ff_mult")] public double FfMult { get; init; } = 4;

    /// <summary>Longest sequence (prompt + generated tokens) the model is used with.</summary>
    [JsonPropertyName("max_seq_len")] public int MaxSeqLen { get; init; } = 512;

    /// <summary>Base of the rotary position frequencies.</summary>
    [JsonPropertyName("rope_theta")] public double RopeTheta { get; init; } = 10000;

    /// <summary>Dropout on attention weights and residual branches during training (0 = none).</summary>
    [JsonPropertyName("dropout")] public double Dropout { get; init; }

    /// <summary>SwiGLU (default) or GELU feed-forward.</summary>
    [JsonPropertyName("mlp")] public MlpKind Mlp { get; init; } = MlpKind.SwiGlu;

    /// <summary>When true the output head reuses the token embedding matrix.</summary>
    [JsonPropertyName("tie_embeddings")] public bool TieEmbeddings { get; init; } = true;

    /// <summary>RMSNorm epsilon.</summary>
    [JsonPropertyName("norm_eps")] public double NormEps { get; init; } = 1e-5;

    // ── Optional fields (grouped-query attention, explicit sizes, biases, q/k norm, rope scaling). Absent from
    //    the JSON when unset, so configs written before they existed read back unchanged. ──────────────────────

    /// <summary>Key/value heads for grouped-query attention; must divide <see cref="Heads"/>. Unset: one per query head.</summary>
    [JsonPropertyName("kv_heads"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? KvHeads { get; init; }

    /// <summary>Explicit size of one attention head (Qwen3: not <c>d_model / heads</c>). Unset: <c>d_model / heads</c>.</summary>
    [JsonPropertyName("head_dim"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? HeadSize { get; init; }

    /// <summary>Explicit hidden width of the MLP (Hugging Face <c>intermediate_size</c>); overrides <see cref="FfMult"/>.</summary>
    [JsonPropertyName("ff_hidden"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? FfHiddenSize { get; init; }

    /// <summary>Biases on the query, key and value projections (Qwen2; Llama's <c>attention_bias</c>).</summary>
    [JsonPropertyName("qkv_bias"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool QkvBias { get; init; }

    /// <summary>A bias on the attention output projection (Llama's and Qwen3's <c>attention_bias</c>).</summary>
    [JsonPropertyName("output_bias"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool OutputBias { get; init; }

    /// <summary>Biases on the MLP projections (Llama's <c>mlp_bias</c>).</summary>
    [JsonPropertyName("mlp_bias"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool MlpBias { get; init; }

    /// <summary>Per-head RMSNorm of queries and keys before the rotary positions (Qwen3).</summary>
    [JsonPropertyName("qk_norm"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool QkNorm { get; init; }

    /// <summary>Rescaling of the rotary frequencies for longer contexts; unset: none.</summary>
    [JsonPropertyName("rope_scaling"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RopeScaling? RopeScaling { get; init; }

    /// <summary>Key/value heads in effect (<see cref="KvHeads"/>, or <see cref="Heads"/> when unset).</summary>
    [JsonIgnore] public int KvHeadCount => KvHeads ?? Heads;

    /// <summary>Size of one attention head.</summary>
    [JsonIgnore] public int HeadDim => HeadSize ?? (Heads > 0 ? DModel / Heads : 0);

    /// <summary>Hidden width of the MLP.</summary>
    [JsonIgnore] public int FfHidden => FfHiddenSize ?? (int)Math.Round(FfMult * DModel);

    /// <summary>Number of trainable parameters of a model of this shape.</summary>
    [JsonIgnore]
    public long ParameterCount
    {
        get
        {
            long d = DModel, h = FfHidden, q = (long)Heads * HeadDim, kv = (long)KvHeadCount * HeadDim;
            var attention = d * q + 2 * d * kv + q * d
                + (QkvBias ? q + 2 * kv : 0) + (OutputBias ? d : 0) + (QkNorm ? 2L * HeadDim : 0);
            var mlp = (Mlp == MlpKind.SwiGlu ? 3 * d * h : 2 * d * h)
                + (MlpBias ? (Mlp == MlpKind.SwiGlu ? 2 * h : h) + d : 0);
            var perLayer = attention + mlp + 2 * d;
            return (long)VocabSize * d * (TieEmbeddings ? 1 : 2) + Layers * perLayer + d;
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every invalid field.</summary>
    public TransformerConfig Validate()
    {
        var errors = new List<string>();
        if (VocabSize < 2) errors.Add($"vocab_size must be ≥ 2 (got {VocabSize})");
        if (DModel < 1) errors.Add($"d_model must be ≥ 1 (got {DModel})");
        if (Layers < 1) errors.Add($"layers must be ≥ 1 (got {Layers})");
        if (Heads < 1) errors.Add($"heads must be ≥ 1 (got {Heads})");
        else if (HeadSize is { } size)
        {
            if (size < 2 || size % 2 != 0) errors.Add($"head_dim must be even and ≥ 2 for rotary positions (got {size})");
        }
        else if (DModel % Heads != 0) errors.Add($"d_model ({DModel}) must be divisible by heads ({Heads})");
        else if (HeadDim % 2 != 0) errors.Add($"head size d_model/heads = {HeadDim} must be even for rotary positions");
        if (KvHeads is { } kv && (kv < 1 || (Heads >= 1 && Heads % kv != 0)))
            errors.Add($"kv_heads must be ≥ 1 and divide heads ({Heads}) (got {kv})");
        if (FfHiddenSize is { } hidden)
        {
            if (hidden < 1) errors.Add($"ff_hidden must be ≥ 1 (got {hidden})");
        }
        else if (!(FfMult > 0) || FfHidden < 1) errors.Add($"ff_mult must give a hidden width ≥ 1 (got {FfMult})");
        if (RopeScaling?.Problem() is { } rope) errors.Add(rope);
        if (MaxSeqLen < 1) errors.Add($"max_seq_len must be ≥ 1 (got {MaxSeqLen})");
        if (!(RopeTheta > 0)) errors.Add($"rope_theta must be > 0 (got {RopeTheta})");
        if (!(Dropout >= 0 && Dropout < 1)) errors.Add($"dropout must be in [0, 1) (got {Dropout})");
        if (!(NormEps > 0)) errors.Add($"norm_eps must be > 0 (got {NormEps})");
        if (!Enum.IsDefined(Mlp)) errors.Add($"mlp must be SwiGlu or Gelu (got {Mlp})");
        if (errors.Count > 0)
            throw new ArgumentException("invalid transformer config: " + string.Join("; ", errors) + ".");
        return this;
    }

    internal static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>The config as JSON (snake_case keys).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Parses and validates a config written by <see cref="ToJson"/>; <paramref name="source"/> names the file in errors.</summary>
    public static TransformerConfig FromJson(string json, string source = "config")
    {
        TransformerConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<TransformerConfig>(json, new JsonSerializerOptions(Json) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: {e.Path}: {e.Message}", e);
        }
        if (config is null)
            throw new InvalidDataException($"{source}: $: expected a transformer config object.");
        try
        {
            return config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
    }
}
