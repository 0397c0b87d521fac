using System.Text.Json.Serialization;

namespace Forge.Training.Models.HuggingFace;

/// <summary>What Forge does with one field of a Hugging Face <c>config.json</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ConfigVerdict>))]
public enum ConfigVerdict
{
    /// <summary>The field shapes Forge's model exactly as it shapes the reference implementation.</summary>
    Honoured,

    /// <summary>The field does not change the forward pass (or is set to a value that has no effect); Forge ignores it.</summary>
    Ignored,

    /// <summary>The field changes the math in a way Forge does not implement: the model is not loaded.</summary>
    Refused,
}

/// <summary>One field of a config and Forge's verdict on it, e.g. <c>$.rope_scaling.rope_type</c>, Refused, "yarn is not implemented".</summary>
/// <param name="Field">JSON path of the field.</param>
/// <param name="Verdict">Honoured, ignored or refused.</param>
/// <param name="Detail">The value in effect and why.</param>
public sealed record ConfigNote(
    [property: JsonPropertyName("field")] string Field,
    [property: JsonPropertyName("verdict")] ConfigVerdict Verdict,
    [property: JsonPropertyName("detail")] string Detail)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Field}: {Detail}";
}
