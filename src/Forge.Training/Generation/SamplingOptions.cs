namespace Forge.Training.Generation;

/// <summary>How <see cref="Generator"/> picks tokens. Defaults: plain sampling at temperature 1, 64 new tokens.</summary>
public sealed record SamplingOptions
{
    /// <summary>Logits are divided by this before softmax; ≤ 0 means greedy (argmax, log-probs at temperature 1).</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Nucleus sampling: sample only from the smallest set of tokens whose probability reaches this (1 = off).</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Most tokens generated per row (a request may ask for fewer; the model's max_seq_len caps it too).</summary>
    public int MaxNewTokens { get; init; } = 64;

    /// <summary>Seed of the batch's generator when the caller passes none (when some row has a seed of its own, it seeds the rows that have none): same seed, same model, same prompts → same tokens.</summary>
    public long Seed { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> listing every invalid field.</summary>
    public SamplingOptions Validate()
    {
        var errors = new List<string>();
        if (double.IsNaN(Temperature) || double.IsInfinity(Temperature)) errors.Add($"temperature must be finite (got {Temperature})");
        if (!(TopP > 0 && TopP <= 1)) errors.Add($"top_p must be in (0, 1] (got {TopP})");
        if (MaxNewTokens < 1) errors.Add($"max_new_tokens must be ≥ 1 (got {MaxNewTokens})");
        if (errors.Count > 0)
            throw new ArgumentException("invalid sampling options: " + string.Join("; ", errors) + ".");
        return this;
    }
}

/// <summary>One row of a generation batch: its prompt ids, its own stop tokens, and optionally a smaller token budget and its own seed.</summary>
/// <param name="Prompt">Prompt token ids (at least one, e.g. BOS).</param>
/// <param name="StopTokens">Generation of this row ends after it samples any of these (the stop token is returned).</param>
/// <param name="MaxNewTokens">This row's budget; null = <see cref="SamplingOptions.MaxNewTokens"/>.</param>
/// <param name="Seed">This row's sampling seed: the row then draws the same tokens alone or in any batch. Null = a seed drawn from the batch's generator.</param>
public sealed record GenerationRequest(IReadOnlyList<int> Prompt, IReadOnlyCollection<int>? StopTokens = null, int? MaxNewTokens = null, long? Seed = null);

/// <summary>Why a row stopped.</summary>
public enum FinishReason
{
    /// <summary>It sampled one of its stop tokens (the last token returned).</summary>
    Stop,

    /// <summary>It reached its token budget (or the model's max_seq_len).</summary>
    Length,
}

/// <summary>
/// What one row generated: the new token ids (prompt excluded, stop token included) and, for each, its
/// log-probability under the sampling distribution (see <see cref="Generator"/> for the exact definition).
/// </summary>
public sealed record GenerationResult(IReadOnlyList<int> Tokens, IReadOnlyList<float> LogProbs, FinishReason FinishReason);
