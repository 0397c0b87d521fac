using static TorchSharp.torch;

namespace Forge.Training.Model;

/// <summary>
/// The keys and values of a prompt prefix that every row of a training batch begins with, kept with their autograd
/// graph: recorded while the prefix runs on one row, then put, broadcast, before each row's own keys and values. The
/// broadcast's backward pass sums the rows' gradients into the one prefix, as a batch that ran it on every row would.
/// </summary>
internal sealed class SharedPrefixKeys(int layers) : IAttentionKeys
{
    private readonly Tensor[] keys = new Tensor[layers];     // [1, KV, L, hd] per layer
    private readonly Tensor[] values = new Tensor[layers];   // [1, KV, L, hd] per layer

    /// <summary>True while the prefix runs (its keys are recorded); false once the rows' own positions run.</summary>
    public bool Recording { get; set; } = true;

    public (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v)
    {
        if (Recording)
        {
            keys[layer] = k;
            values[layer] = v;
            return (k, v);
        }
        var b = k.shape[0];
        return (cat([keys[layer].expand(b, -1, -1, -1), k], 2), cat([values[layer].expand(b, -1, -1, -1), v], 2));   // [B, KV, L+T, hd]
    }
}
