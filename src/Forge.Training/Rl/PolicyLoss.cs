using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Training.Rl;

/// <summary>How per-token losses are reduced to one number (verl's <c>loss_agg_mode</c>).</summary>
public enum LossAggregation
{
    /// <summary>Sum over every policy token of the batch divided by their count (DAPO; verl's default).</summary>
    TokenMean,

    /// <summary>Mean over tokens within each sequence, then mean over sequences (original GRPO; length-biased).</summary>
    SeqMeanTokenMean,

    /// <summary>Sum over tokens within each sequence divided by a constant, then mean over sequences (Dr. GRPO).</summary>
    SeqMeanTokenSumNorm,
}

/// <summary>The hyper-parameters of the clipped policy-gradient loss.</summary>
public sealed record PolicyLossOptions
{
    /// <summary>ε_low: the ratio is clipped below at 1 − ε_low. Default 0.2.</summary>
    public double ClipLow { get; init; } = 0.2;

    /// <summary>ε_high: the ratio is clipped above at 1 + ε_high (DAPO's clip-higher uses 0.28). Default 0.28.</summary>
    public double ClipHigh { get; init; } = 0.28;

    /// <summary>β, the weight of the k3 KL to the reference policy. 0 turns the reference policy off. Default 0.</summary>
    public double KlCoefficient { get; init; }

    /// <summary>How per-token losses are reduced. Default token-mean.</summary>
    public LossAggregation Aggregation { get; init; } = LossAggregation.TokenMean;

    /// <summary>c_H, the weight of the entropy bonus (subtracted from the loss). Default 0.</summary>
    public double EntropyCoefficient { get; init; }
}

/// <summary>
/// The batch-wide counts a micro-batch's loss is normalised by, so that gradient accumulation over micro-batches gives
/// the same gradient as one big batch.
/// </summary>
/// <param name="PolicyTokens">Policy tokens in the whole batch (token-mean).</param>
/// <param name="Sequences">Sequences in the whole batch (seq-mean modes).</param>
/// <param name="SumNormConstant">The constant of seq-mean-token-sum-norm (for example the longest allowed response).</param>
public readonly record struct BatchNormalizer(double PolicyTokens, double Sequences, double SumNormConstant);

/// <summary>
/// The PPO clipped surrogate with decoupled clip range, an optional k3 KL penalty and an optional entropy bonus, over
/// one micro-batch:
/// <code>
/// ρ_t = exp(log π_θ(o_t) − log π_old(o_t))
/// L_t = −min(ρ_t Â, clip(ρ_t, 1 − ε_low, 1 + ε_high) Â) + β · (exp(ref_t − logp_t) − (ref_t − logp_t) − 1) − c_H · H_t
/// </code>
/// aggregated over policy tokens only (mask = 1), with the batch-wide normaliser of the chosen aggregation.
/// </summary>
public static class PolicyLoss
{
    /// <summary>The loss (with gradient) and diagnostics summed over the micro-batch's policy tokens (no gradient).</summary>
    /// <param name="logProbs">[B, T] log π_θ of each target token (with gradient).</param>
    /// <param name="oldLogProbs">[B, T] the sampling policy's recorded log-probs.</param>
    /// <param name="refLogProbs">[B, T] the reference policy's log-probs, or null when β = 0.</param>
    /// <param name="advantages">[B] one advantage per sequence.</param>
    /// <param name="mask">[B, T] 1 on policy tokens, 0 elsewhere (padding included).</param>
    /// <param name="options">ε_low, ε_high, β, aggregation.</param>
    /// <param name="normalizer">Batch-wide counts.</param>
    /// <param name="entropy">[B, T] the policy's entropy at each position (with gradient), needed when c_H ≠ 0.</param>
    public static (Tensor Loss, PolicyLossStats Stats) Compute(Tensor logProbs, Tensor oldLogProbs, Tensor? refLogProbs, Tensor advantages,
        Tensor mask, PolicyLossOptions options, BatchNormalizer normalizer, Tensor? entropy = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var a = advantages.unsqueeze(-1);                                       // [B, 1]
        var logRatio = (logProbs - oldLogProbs).clamp(-20, 20);                 // [B, T]
        var ratio = logRatio.exp();
        var unclipped = ratio * a;
        var clipped = ratio.clamp(1 - options.ClipLow, 1 + options.ClipHigh) * a;
        var perToken = -torch.minimum(unclipped, clipped);                      // [B, T]

        Tensor? kl = null;
        if (refLogProbs is not null && options.KlCoefficient != 0)
        {
            kl = KlK3(logProbs, refLogProbs);
            perToken = perToken + options.KlCoefficient * kl;
        }
        if (options.EntropyCoefficient != 0)
        {
            if (entropy is null) throw new ArgumentNullException(nameof(entropy), "An entropy bonus needs the per-token entropy.");
            perToken = perToken - options.EntropyCoefficient * entropy;
        }
        var loss = Aggregate(perToken, mask, options.Aggregation, normalizer);

        using (torch.no_grad())
        {
            var m = mask.to_type(ScalarType.Float32);
            var isClipped = (clipped < unclipped).to_type(ScalarType.Float32);  // the clipped term was the smaller one: no gradient flows
            var stats = new PolicyLossStats(
                PolicyTokens: m.sum().item<float>(),
                ClippedTokens: (isClipped * m).sum().item<float>(),
                ApproxKl: (0.5 * logRatio.detach().pow(2) * m).sum().item<float>(),
                RefKl: kl is null ? 0 : (kl.detach() * m).sum().item<float>());
            return (loss, stats);
        }
    }

    /// <summary>The most a token's k3 term may add (as in verl's <c>low_var_kl</c>).</summary>
    public const double KlK3Max = 10;

    /// <summary>
    /// Schulman's k3 estimator of KL(π_θ ‖ π_ref), per token: exp(ref − logp) − (ref − logp) − 1 ≥ 0, capped at
    /// <see cref="KlK3Max"/>. Uncapped, a sampled token the policy has made far less likely than the reference does
    /// (exp(ref − logp) up to e^20) yields a gradient that swamps the whole update.
    /// </summary>
    public static Tensor KlK3(Tensor logProbs, Tensor refLogProbs)
    {
        var d = (refLogProbs - logProbs).clamp(-20, 20);
        return (d.exp() - d - 1).clamp_max(KlK3Max);
    }

    /// <summary>Reduces [B, T] per-token values over the mask with the chosen aggregation.</summary>
    public static Tensor Aggregate(Tensor perToken, Tensor mask, LossAggregation aggregation, BatchNormalizer normalizer)
    {
        var m = mask.to_type(perToken.dtype);
        var masked = perToken * m;
        switch (aggregation)
        {
            case LossAggregation.TokenMean:
                return masked.sum() / Math.Max(1, normalizer.PolicyTokens);
            case LossAggregation.SeqMeanTokenMean:
                var perSequence = masked.sum(-1) / m.sum(-1).clamp_min(1);          // [B]
                return perSequence.sum() / Math.Max(1, normalizer.Sequences);
            case LossAggregation.SeqMeanTokenSumNorm:
                return masked.sum() / (Math.Max(1, normalizer.SumNormConstant) * Math.Max(1, normalizer.Sequences));
            default:
                throw new ArgumentOutOfRangeException(nameof(aggregation));
        }
    }
}

/// <summary>Sums over one micro-batch's policy tokens, added up across micro-batches and divided by <see cref="PolicyTokens"/> for the update's metrics.</summary>
/// <param name="PolicyTokens">Policy tokens.</param>
/// <param name="ClippedTokens">Tokens whose ratio was clipped (the clip fraction's numerator).</param>
/// <param name="ApproxKl">Σ ½ (log ρ)², the approximate KL between the current and the sampling policy.</param>
/// <param name="RefKl">Σ k3 KL to the reference policy.</param>
public readonly record struct PolicyLossStats(double PolicyTokens, double ClippedTokens, double ApproxKl, double RefKl)
{
    /// <summary>Adds two micro-batches' sums.</summary>
    public static PolicyLossStats operator +(PolicyLossStats x, PolicyLossStats y) =>
        new(x.PolicyTokens + y.PolicyTokens, x.ClippedTokens + y.ClippedTokens, x.ApproxKl + y.ApproxKl, x.RefKl + y.RefKl);
}
