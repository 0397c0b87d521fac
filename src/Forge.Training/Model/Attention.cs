using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Forge.Training.Model;

/// <summary>
/// Causal self-attention with rotary positions, grouped-query key/value heads, optional q/k/v/output biases,
/// optional per-head q/k RMSNorm (applied before the rotation), and an optional KV cache.
/// </summary>
internal sealed class Attention : nn.Module
{
    private readonly Linear query;
    private readonly Linear key;
    private readonly Linear value;
    private readonly Linear output;
    private readonly RmsNorm? queryNorm;
    private readonly RmsNorm? keyNorm;
    private readonly int heads;
    private readonly int kvHeads;
    private readonly int headDim;
    private readonly double dropout;

    public Attention(TransformerConfig config, Placement at = default) : base(nameof(Attention))
    {
        heads = config.Heads;
        kvHeads = config.KvHeadCount;
        headDim = config.HeadDim;
        dropout = config.Dropout;
        query = nn.Linear(config.DModel, heads * headDim, hasBias: config.QkvBias, device: at.Device, dtype: at.DType);
        key = nn.Linear(config.DModel, kvHeads * headDim, hasBias: config.QkvBias, device: at.Device, dtype: at.DType);
        value = nn.Linear(config.DModel, kvHeads * headDim, hasBias: config.QkvBias, device: at.Device, dtype: at.DType);
        output = nn.Linear(heads * headDim, config.DModel, hasBias: config.OutputBias, device: at.Device, dtype: at.DType);
        if (config.QkNorm)
        {
            queryNorm = new RmsNorm(headDim, config.NormEps, at);
            keyNorm = new RmsNorm(headDim, config.NormEps, at);
        }
        RegisterComponents();
    }

    internal Linear OutputProjection => output;

    // x: [B, T, C]; mask: bool [B|1, 1, T, S], true = may attend; no mask and causal = plain causal attention;
    // earlier: the cached or shared-prefix keys/values this step's queries see before their own.
    public Tensor Forward(Tensor x, Rotary rotary, Tensor? mask, bool causal, IAttentionKeys? earlier, int layer)
    {
        long b = x.shape[0], t = x.shape[1];
        var q = query.call(x).view(b, t, heads, headDim);   // [B, T, H, hd]
        var k = key.call(x).view(b, t, kvHeads, headDim);   // [B, T, KV, hd]
        if (queryNorm is not null && keyNorm is not null)
        {
            q = queryNorm.call(q);
            k = keyNorm.call(k);
        }
        q = rotary.Apply(q.transpose(1, 2));                                     // [B, H, T, hd]
        k = rotary.Apply(k.transpose(1, 2));                                     // [B, KV, T, hd]
        var v = value.call(x).view(b, t, kvHeads, headDim).transpose(1, 2);      // [B, KV, T, hd]
        if (earlier is not null)
            (k, v) = earlier.Append(layer, k, v);                                // [B, KV, S, hd]
        if (kvHeads != heads)
        {
            // Each key/value head serves heads/kvHeads consecutive query heads.
            k = k.repeat_interleave(heads / kvHeads, dim: 1);                    // [B, H, S, hd]
            v = v.repeat_interleave(heads / kvHeads, dim: 1);                    // [B, H, S, hd]
        }
        var p = training ? dropout : 0.0;
        var y = F.scaled_dot_product_attention(q, k, v, attn_mask: mask, p: p, is_casual: mask is null && causal); // [B, H, T, hd]
        return output.call(y.transpose(1, 2).contiguous().view(b, t, heads * headDim)); // [B, T, C]
    }
}
