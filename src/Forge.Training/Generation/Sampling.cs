using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Training.Generation;

/// <summary>
/// The one definition of "log-probability at a temperature" shared by generation and training:
/// <c>log_softmax(logits / T)</c> in fp32 (logits unchanged when T ≤ 0, i.e. greedy). Top-p truncation is
/// <b>not</b> part of it: it changes which token is drawn, not the recorded log-probability.
/// </summary>
public static class Sampling
{
    /// <summary>logits / T in fp32, or the fp32 logits when T ≤ 0 (greedy).</summary>
    public static Tensor Scale(Tensor logits, double temperature)
    {
        var x = logits.to_type(ScalarType.Float32);
        return temperature > 0 && temperature != 1.0 ? x / temperature : x;
    }

    /// <summary>Log-probabilities of <paramref name="targets"/> [...] under <paramref name="logits"/> [..., V] at <paramref name="temperature"/>: [...].</summary>
    public static Tensor TokenLogProbs(Tensor logits, Tensor targets, double temperature)
    {
        using var scope = NewDisposeScope();
        var logp = Scale(logits, temperature).log_softmax(-1);                 // [..., V]
        return logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1).MoveToOuterDisposeScope(); // [...]
    }

    /// <summary>Entropy (nats) of the distribution at <paramref name="temperature"/>: [..., V] → [...].</summary>
    public static Tensor Entropy(Tensor logits, double temperature)
    {
        using var scope = NewDisposeScope();
        var logp = Scale(logits, temperature).log_softmax(-1);
        return (-(logp.exp() * logp).sum(-1)).MoveToOuterDisposeScope();
    }

    /// <summary>Draws one token per row from logits [B, V]: argmax when T ≤ 0, else softmax(logits/T) with top-p truncation. Returns [B] int64.</summary>
    public static Tensor Sample(Tensor logits, double temperature, double topP, torch.Generator? rng)
    {
        using var scope = NewDisposeScope();
        if (temperature <= 0)
            return logits.argmax(-1).MoveToOuterDisposeScope();
        var probs = Scale(logits, temperature).softmax(-1); // [B, V]
        if (topP >= 1)
            return Draw(probs, rng).squeeze(-1).MoveToOuterDisposeScope();
        var (sorted, order) = probs.sort(-1, descending: true);         // [B, V] each
        var before = sorted.cumsum(-1) - sorted;                        // mass strictly above each token
        var kept = sorted.masked_fill(before.gt(topP), 0.0);            // the top token always survives
        var choice = Draw(kept, rng);                                   // [B, 1] index into sorted order
        return order.gather(-1, choice).squeeze(-1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One multinomial draw per row of <paramref name="weights"/> [B, V] → [B, 1] on the weights' device.
    /// TorchSharp's <see cref="torch.Generator"/> is always a CPU generator whatever device it is created for
    /// (dotnet/TorchSharp#1194), and libtorch refuses a CPU generator for a CUDA tensor ("Expected a 'cuda' device
    /// type for generator but found 'cpu'"); so with a generator, off-CPU weights are drawn from with
    /// <see cref="DrawAsMultinomial"/>: the noise comes from the host, the weights stay on the device and nothing waits
    /// for it. The seeded stream is the same as on the CPU.
    /// </summary>
    private static Tensor Draw(Tensor weights, torch.Generator? rng)
    {
        if (rng is null || weights.device_type == DeviceType.CPU)
            return weights.multinomial(1, generator: rng);
        return DrawAsMultinomial(weights, rng);
    }

    /// <summary>
    /// The draw libtorch's <c>multinomial(weights, 1, generator)</c> makes on the CPU, done on any device: the argmax of
    /// weights / q with q ~ Exp(1) [B, V] drawn from <paramref name="rng"/> on the host (libtorch's one-sample path, the
    /// Gumbel-max trick in exponential form), so the tokens and the generator's state afterwards are the same.
    /// </summary>
    internal static Tensor DrawAsMultinomial(Tensor weights, torch.Generator rng)
    {
        using var scope = NewDisposeScope();
        var q = empty(weights.shape, weights.dtype).exponential_(1, generator: rng);    // [B, V] on the host
        if (weights.device_type != DeviceType.CPU) q = q.to(weights.device);
        return weights.div(q).argmax(-1, keepdim: true).MoveToOuterDisposeScope();      // [B, 1]
    }
}
