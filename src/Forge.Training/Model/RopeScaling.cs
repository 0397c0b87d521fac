using System.Text.Json.Serialization;

namespace Forge.Training.Model;

/// <summary>How the rotary frequencies are rescaled to stretch a model's context.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RopeScalingKind>))]
public enum RopeScalingKind
{
    /// <summary>Every frequency divided by <see cref="RopeScaling.Factor"/> (positions interpolated).</summary>
    [JsonStringEnumMemberName("linear")] Linear,

    /// <summary>
    /// Llama 3.1's scheme: long wavelengths divided by the factor, short ones kept, the band between blended
    /// smoothly (<see cref="RopeScaling.LowFreqFactor"/>, <see cref="RopeScaling.HighFreqFactor"/>,
    /// <see cref="RopeScaling.OriginalMaxPositions"/>).
    /// </summary>
    [JsonStringEnumMemberName("llama3")] Llama3,
}

/// <summary>Rescaling of the rotary inverse frequencies (Hugging Face <c>rope_scaling</c>).</summary>
public sealed record RopeScaling
{
    /// <summary>Which scheme.</summary>
    [JsonPropertyName("type")] public RopeScalingKind Kind { get; init; }

    /// <summary>The context stretch factor (> 0).</summary>
    [JsonPropertyName("factor")] public double Factor { get; init; } = 1;

    /// <summary>llama3: wavelengths longer than original_max_positions / low_freq_factor are divided by the factor.</summary>
    [JsonPropertyName("low_freq_factor"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? LowFreqFactor { get; init; }

    /// <summary>llama3: wavelengths shorter than original_max_positions / high_freq_factor are kept.</summary>
    [JsonPropertyName("high_freq_factor"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? HighFreqFactor { get; init; }

    /// <summary>llama3: the context length the model was pretrained with.</summary>
    [JsonPropertyName("original_max_position_embeddings"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? OriginalMaxPositions { get; init; }

    /// <summary>What is wrong with these settings, or null.</summary>
    internal string? Problem()
    {
        if (!Enum.IsDefined(Kind)) return $"rope_scaling.type must be linear or llama3 (got {Kind})";
        if (!(Factor > 0)) return $"rope_scaling.factor must be > 0 (got {Factor})";
        if (Kind != RopeScalingKind.Llama3) return null;
        if (LowFreqFactor is not { } low || HighFreqFactor is not { } high || OriginalMaxPositions is not { } original)
            return "rope_scaling of type llama3 needs low_freq_factor, high_freq_factor and original_max_position_embeddings";
        if (!(low > 0) || !(high > low) || original < 1)
            return $"rope_scaling llama3 needs 0 < low_freq_factor < high_freq_factor and original_max_position_embeddings ≥ 1 (got {low}, {high}, {original})";
        return null;
    }

    /// <summary>
    /// Rescales inverse frequencies θ_i (radians per position). linear: θ/factor. llama3, with wavelength
    /// λ = 2π/θ, L = original_max_positions: λ &gt; L/low → θ/factor; λ &lt; L/high → θ; otherwise
    /// (1 − s)·θ/factor + s·θ with s = (L/λ − low)/(high − low).
    /// </summary>
    public double[] Rescale(IReadOnlyList<double> inverseFrequencies)
    {
        ArgumentNullException.ThrowIfNull(inverseFrequencies);
        if (Problem() is { } problem)
            throw new InvalidOperationException(problem + ".");
        if (Kind == RopeScalingKind.Linear)
            return [.. inverseFrequencies.Select(f => f / Factor)];
        double low = LowFreqFactor!.Value, high = HighFreqFactor!.Value, original = OriginalMaxPositions!.Value;
        double lowFreqWavelength = original / low, highFreqWavelength = original / high;
        return [.. inverseFrequencies.Select(f =>
        {
            var wavelength = 2 * Math.PI / f;
            if (wavelength > lowFreqWavelength) return f / Factor;
            if (wavelength < highFreqWavelength) return f;
            var smooth = (original / wavelength - low) / (high - low);
            return (1 - smooth) * f / Factor + smooth * f;
        })];
    }
}
