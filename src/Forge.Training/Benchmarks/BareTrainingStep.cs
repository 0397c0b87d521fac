using Forge.Training.Model;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Forge.Training.Benchmarks;

/// <summary>
/// The baseline: the plainest TorchSharp language-model step — next-token cross-entropy, backward, AdamW —
/// with none of Forge's code around it beyond the model itself.
/// </summary>
internal sealed class BareTrainingStep(CausalTransformer model) : IBenchmarkStep
{
    private readonly AdamW optimizer = optim.AdamW(model.parameters(), lr: 1e-4);

    public string Description => "bare TorchSharp loop: cross-entropy, backward, AdamW";

    public void Run(Tensor ids)
    {
        using var scope = NewDisposeScope();
        var t = ids.shape[1];
        var logits = model.call(ids.narrow(1, 0, t - 1));                                      // [B, T-1, V]
        var loss = F.cross_entropy(logits.reshape(-1, logits.shape[^1]), ids.narrow(1, 1, t - 1).reshape(-1));
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
    }

    public void Dispose() => optimizer.Dispose();
}
