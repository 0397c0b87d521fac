using Forge.Training.Generation;
using Forge.Training.Model;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Forge.Training.Benchmarks;

/// <summary>
/// Forge's own policy-update path, used as the "pipeline" step until the RL trainer registers its step: per-token
/// log-probs through <see cref="LogProbs.Compute"/> at temperature 1, a PPO clipped surrogate over a completion
/// mask (the first quarter of each row counted as prompt) with ±1 advantages per row, gradient clipping, AdamW.
/// </summary>
internal sealed class PolicyGradientStep(CausalTransformer model) : IBenchmarkStep
{
    private const double ClipLow = 0.2;
    private const double ClipHigh = 0.28;
    private readonly AdamW optimizer = optim.AdamW(model.parameters(), lr: 1e-4);

    public string Description => "Forge policy-gradient step: LogProbs.Compute, clipped surrogate on a loss mask, grad clip, AdamW";

    public void Run(Tensor ids)
    {
        using var scope = NewDisposeScope();
        long b = ids.shape[0], t = ids.shape[1];
        var logp = LogProbs.Compute(model, ids, temperature: 1.0);                          // [B, T-1]
        var oldLogp = logp.detach();                                                          // one update per batch: ratio 1
        var mask = ones([b, t - 1], ScalarType.Float32, ids.device);
        mask.narrow(1, 0, (t - 1) / 4).zero_();                                               // prompt tokens are context
        var advantages = (arange(b, ScalarType.Float32, ids.device).remainder(2) * 2 - 1).unsqueeze(1); // [B, 1] ±1
        var ratio = (logp - oldLogp).exp();
        var surrogate = minimum(ratio * advantages, ratio.clamp(1 - ClipLow, 1 + ClipHigh) * advantages);
        var loss = -(surrogate * mask).sum() / mask.sum();
        optimizer.zero_grad();
        loss.backward();
        nn.utils.clip_grad_norm_(model.parameters(), 1.0);
        optimizer.step();
    }

    public void Dispose() => optimizer.Dispose();
}
