using Forge.Training.Model;
using static TorchSharp.torch;

namespace Forge.Training.Generation;

/// <summary>
/// Per-token log-probabilities of given sequences in one forward pass — the trainer's path. Same definition as
/// generation (<see cref="Sampling.TokenLogProbs"/>): <c>log_softmax(logits / T)[next token]</c> in fp32.
/// </summary>
public static class LogProbs
{
    /// <summary>
    /// For right-padded <paramref name="ids"/> [B, T], returns [B, T−1] where element [b, t] is
    /// log p(ids[b, t+1] | ids[b, 0..t]) at <paramref name="temperature"/>. Keeps the autograd graph (call under
    /// no_grad for old/reference log-probs). Positions after a row's end are garbage: mask them.
    /// </summary>
    public static Tensor Compute(CausalTransformer model, Tensor ids, double temperature)
    {
        using var scope = NewDisposeScope();
        var t = ids.shape[1];
        var logits = model.call(ids.narrow(1, 0, t - 1));                          // [B, T-1, V]
        var targets = ids.narrow(1, 1, t - 1);                                     // [B, T-1]
        return Sampling.TokenLogProbs(logits, targets, temperature).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Like <see cref="Compute"/>, and also the entropy [B, T−1] of each next-token distribution at
    /// <paramref name="temperature"/> — both from one forward pass.
    /// </summary>
    public static (Tensor LogProbs, Tensor Entropy) ComputeWithEntropy(CausalTransformer model, Tensor ids, double temperature)
    {
        using var scope = NewDisposeScope();
        var t = ids.shape[1];
        var logp = Sampling.Scale(model.call(ids.narrow(1, 0, t - 1)), temperature).log_softmax(-1);     // [B, T-1, V]
        var tokens = logp.gather(-1, ids.narrow(1, 1, t - 1).unsqueeze(-1)).squeeze(-1);                  // [B, T-1]
        var entropy = -(logp.exp() * logp).sum(-1);                                                        // [B, T-1]
        return (tokens.MoveToOuterDisposeScope(), entropy.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Convenience for host-side sequences: no gradients, eval mode; returns, per sequence of length n, the n−1
    /// log-probs of tokens 1..n−1.
    /// </summary>
    public static IReadOnlyList<float[]> ForSequences(CausalTransformer model, IReadOnlyList<IReadOnlyList<int>> sequences, double temperature, int padId = 0)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (sequences.Count == 0)
            return [];
        if (sequences.Any(s => s.Count < 2))
            throw new ArgumentException("every sequence needs at least two tokens to have a next-token log-prob.");
        var width = sequences.Max(s => s.Count);
        var host = new long[sequences.Count * width];
        for (var i = 0; i < sequences.Count; i++)
            for (var j = 0; j < width; j++)
                host[i * width + j] = j < sequences[i].Count ? sequences[i][j] : padId;
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var ids = tensor(host, [sequences.Count, width], device: model.Device);
            var values = Compute(model, ids, temperature).cpu().data<float>().ToArray();
            return [.. sequences.Select((s, i) => values.Skip(i * (width - 1)).Take(s.Count - 1).ToArray())];
        }
        finally
        {
            if (wasTraining)
                model.train();
        }
    }
}
