using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Forge.Training.Model;

/// <summary>Multi-head causal self-attention with rotary positions and an optional KV cache.</summary>
internal sealed class Attention : nn.Module
{
    private readonly Linear query;
    private readonly Linear key;
    private readonly Linear value;
    private readonly Linear output;
    private readonly int heads;
    private readonly int headDim;
    private readonly double dropout;

    public Attention(TransformerConfig config) : base(nameof(Attention))
    {
        heads = config.Heads;
        headDim = config.HeadDim;
        dropout = config.Dropout;
        query = nn.Linear(config.DModel, config.DModel, hasBias: false);
        key = nn.Linear(config.DModel, config.DModel, hasBias: false);
        value = nn.Linear(config.DModel, config.DModel, hasBias: false);
        output = nn.Linear(config.DModel, config.DModel, hasBias: false);
        RegisterComponents();
    }

    internal Linear OutputProjection => output;

    // x: [B, T, C]; mask: bool [B|1, 1, T, S], true = may attend; no mask and causal = plain causal attention.
    public Tensor Forward(Tensor x, Rotary rotary, Tensor? mask, bool causal, KvCache? cache, int layer)
    {
        long b = x.shape[0], t = x.shape[1], c = x.shape[2];
        var q = rotary.Apply(query.call(x).view(b, t, heads, headDim).transpose(1, 2)); // [B, H, T, hd]
        var k = rotary.Apply(key.call(x).view(b, t, heads, headDim).transpose(1, 2));   // [B, H, T, hd]
        var v = value.call(x).view(b, t, heads, headDim).transpose(1, 2);                // [B, H, T, hd]
        if (cache is not null)
            (k, v) = cache.Append(layer, k, v);                                          // [B, H, S, hd]
        var p = training ? dropout : 0.0;
        var y = F.scaled_dot_product_attention(q, k, v, attn_mask: mask, p: p, is_casual: mask is null && causal); // [B, H, T, hd]
        return output.call(y.transpose(1, 2).contiguous().view(b, t, c));                 // [B, T, C]
    }
}
