using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Training.Generation;

/// <summary>How one row of a batch is sampled: its temperature (≤ 0 = greedy), top-p, and its own generator.</summary>
/// <param name="Temperature">Logits are divided by this; ≤ 0 means greedy (argmax; log-probs of the raw logits).</param>
/// <param name="TopP">Nucleus mass in (0, 1]; 1 = off.</param>
/// <param name="Rng">This row's sampling generator: a row's tokens depend on its seed only, never on the other rows.</param>
public sealed record RowSampling(double Temperature, double TopP, torch.Generator Rng);

/// <summary>
/// Draws one token per row of logits [B, V], every row with its own temperature, top-p and generator. The draw is
/// libtorch's one-sample multinomial in exponential form (<see cref="Sampling.DrawAsMultinomial"/>): argmax of
/// weights / q, q ~ Exp(1) drawn on the host from the row's generator, so a row draws the same token whatever else is
/// in the batch. Greedy rows draw no noise. The recorded log-prob is <see cref="Sampling.TokenLogProbs"/>'s, row by row.
/// </summary>
public static class RowSampler
{
    /// <summary>Samples rows of <paramref name="logits"/> [B, V]: tokens [B] int64, their log-probs [B], and the log-probs of the whole vocabulary [B, V].</summary>
    public static (Tensor Tokens, Tensor LogProbs, Tensor Vocabulary) Sample(Tensor logits, IReadOnlyList<RowSampling> rows)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(rows);
        if (logits.shape.Length != 2 || logits.shape[0] != rows.Count)
            throw new ArgumentException($"logits must be [B={rows.Count}, V], got [{string.Join(", ", logits.shape)}].");
        using var scope = NewDisposeScope();
        long b = logits.shape[0], v = logits.shape[1];
        var device = logits.device;
        var temperatures = tensor(rows.Select(r => r.Temperature > 0 ? (float)r.Temperature : 1f).ToArray(), device: device).unsqueeze(1); // [B, 1]
        var logp = logits.to_type(ScalarType.Float32).div(temperatures).log_softmax(-1);                                               // [B, V]
        var weights = logp.exp();                                                                                                     // [B, V]
        if (rows.Any(r => r.TopP < 1 && r.Temperature > 0))
        {
            var (sorted, order) = weights.sort(-1, descending: true);                                                                 // [B, V] each
            var threshold = tensor(rows.Select(r => r.TopP < 1 ? (float)r.TopP : 2f).ToArray(), device: device).unsqueeze(1);         // [B, 1]
            var cut = (sorted.cumsum(-1) - sorted).gt(threshold);                                                                     // [B, V] in sorted order; the top token always survives
            weights = weights.masked_fill(cut.scatter(-1, order, cut), 0.0);                                                          // back in vocabulary order, so the noise stays with its token
        }
        var noise = new Tensor[b];                                                                                                    // [1, V] each, on the host
        for (var i = 0; i < b; i++)
            noise[i] = rows[i].Temperature > 0
                ? empty([1, v], ScalarType.Float32).exponential_(1, generator: rows[i].Rng)
                : ones([1, v], ScalarType.Float32);                                                                                   // greedy: argmax of the weights
        var q = cat(noise, 0);                                                                                                        // [B, V]
        if (device.type != DeviceType.CPU) q = q.to(device);
        var tokens = weights.div(q).argmax(-1, keepdim: true);                                                                       // [B, 1]
        var tokenLogProbs = logp.gather(-1, tokens).squeeze(-1);                                                                      // [B]
        return (tokens.squeeze(-1).MoveToOuterDisposeScope(), tokenLogProbs.MoveToOuterDisposeScope(), logp.MoveToOuterDisposeScope());
    }

    /// <summary>A generator seeded with <paramref name="seed"/> (any 64-bit value).</summary>
    public static torch.Generator Seeded(long seed) => new(unchecked((ulong)seed));
}
