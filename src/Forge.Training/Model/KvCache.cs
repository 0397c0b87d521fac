using static TorchSharp.torch;

namespace Forge.Training.Model;

/// <summary>
/// Keys and values of every layer for incremental decoding, preallocated to a fixed capacity
/// ([B, KV, capacity, hd] per layer: the key/value heads, before grouped-query expansion), in the dtype given
/// (the model's: <see cref="CausalTransformer.DType"/>). Plain tensors owned by this object — not module buffers, never saved.
/// Dispose it when generation ends.
/// </summary>
public sealed partial class KvCache : IDisposable, IAttentionKeys
{
    private readonly Tensor[] keys;
    private readonly Tensor[] values;

    /// <summary>Allocates an empty cache for <paramref name="batch"/> rows and up to <paramref name="capacity"/> positions.</summary>
    public KvCache(TransformerConfig config, long batch, int capacity, Device device, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Batch = batch;
        Capacity = capacity;
        keys = new Tensor[config.Layers];
        values = new Tensor[config.Layers];
        for (var i = 0; i < config.Layers; i++)
        {
            keys[i] = zeros([batch, config.KvHeadCount, capacity, config.HeadDim], dtype, device).DetachFromDisposeScope();
            values[i] = zeros([batch, config.KvHeadCount, capacity, config.HeadDim], dtype, device).DetachFromDisposeScope();
        }
    }

    /// <summary>Rows in the cache.</summary>
    public long Batch { get; }

    /// <summary>Most positions the cache can hold.</summary>
    public int Capacity { get; }

    /// <summary>Positions already filled (the next token goes to this index).</summary>
    public int Length { get; private set; }

    /// <summary>Writes this step's keys/values [B, KV, T, hd] of <paramref name="layer"/> and returns all so far [B, KV, Length+T, hd].</summary>
    internal (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v)
    {
        var t = (int)k.shape[2];
        if (Length + t > Capacity)
            throw new InvalidOperationException($"KV cache full: {Length} + {t} positions exceed its capacity {Capacity}.");
        using (no_grad())
        {
            keys[layer].narrow(2, Length, t).copy_(k);
            values[layer].narrow(2, Length, t).copy_(v);
        }
        return (keys[layer].narrow(2, 0, Length + t), values[layer].narrow(2, 0, Length + t));
    }

    (Tensor Keys, Tensor Values) IAttentionKeys.Append(int layer, Tensor k, Tensor v) => Append(layer, k, v);

    /// <summary>
    /// Fills an empty cache's first positions, in every row, with the positions a one-row <paramref name="prefix"/> cache
    /// holds: a prompt prefix that all rows share is run once and its keys and values copied.
    /// </summary>
    internal void CopyPrefixFrom(KvCache prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (Length != 0) throw new InvalidOperationException($"a prefix goes into an empty cache; this one holds {Length} positions.");
        if (prefix.Batch != 1 || prefix.keys.Length != keys.Length) throw new ArgumentException("the prefix cache must have one row and the same layers.", nameof(prefix));
        if (prefix.Length > Capacity) throw new InvalidOperationException($"KV cache full: a prefix of {prefix.Length} positions exceeds its capacity {Capacity}.");
        using (no_grad())
            for (var layer = 0; layer < keys.Length; layer++)
            {
                keys[layer].narrow(2, 0, prefix.Length).copy_(prefix.keys[layer].narrow(2, 0, prefix.Length));       // [1, KV, L, hd] → [B, KV, L, hd]
                values[layer].narrow(2, 0, prefix.Length).copy_(prefix.values[layer].narrow(2, 0, prefix.Length));
            }
        Length = prefix.Length;
    }

    /// <summary>Marks <paramref name="t"/> more positions as filled (after every layer has appended).</summary>
    internal void Advance(int t) => Length += t;

    /// <summary>Frees the cache's tensors.</summary>
    public void Dispose()
    {
        foreach (var t in keys.Concat(values))
            t?.Dispose();   // a view's tensors are views: the memory stays with the cache they came from
    }
}
