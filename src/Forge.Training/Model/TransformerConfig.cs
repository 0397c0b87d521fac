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

    /// <summary>Size of one attention head.</summary>
    [JsonIgnore] public int HeadDim => Heads > 0 ? DModel / Heads : 0;

    /// <summary>Hidden width of the MLP.</summary>
    [JsonIgnore] public int FfHidden => (int)Math.Round(FfMult * DModel);

    /// <summary>Number of trainable parameters of a model of this shape.</summary>
    [JsonIgnore]
    public long ParameterCount
    {
        get
        {
            long d = DModel, h = FfHidden;
            var mlp = Mlp == MlpKind.SwiGlu ? 3 * d * h : 2 * d * h;
            var perLayer = 4 * d * d + mlp + 2 * d;
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
        else if (DModel % Heads != 0) errors.Add($"d_model ({DModel}) must be divisible by heads ({Heads})");
        else if (HeadDim % 2 != 0) errors.Add($"head size d_model/heads = {HeadDim} must be even for rotary positions");
        if (!(FfMult > 0) || FfHidden < 1) errors.Add($"ff_mult must give a hidden width ≥ 1 (got {FfMult})");
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
