using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Forge.Training.Model;

/// <summary>One pre-norm transformer block: x + attn(norm(x)), then x + mlp(norm(x)).</summary>
internal sealed class Block : nn.Module
{
    private readonly RmsNorm attentionNorm;
    private readonly Attention attention;
    private readonly RmsNorm mlpNorm;
    private readonly Mlp mlp;
    private readonly double dropout;

    public Block(TransformerConfig config, Placement at = default) : base(nameof(Block))
    {
        dropout = config.Dropout;
        attentionNorm = new RmsNorm(config.DModel, config.NormEps, at);
        attention = new Attention(config, at);
        mlpNorm = new RmsNorm(config.DModel, config.NormEps, at);
        mlp = new Mlp(config, at);
        RegisterComponents();
    }

    internal IEnumerable<TorchSharp.Modules.Linear> ResidualProjections => [attention.OutputProjection, mlp.OutputProjection];

    public Tensor Forward(Tensor x, Rotary rotary, Tensor? mask, bool causal, IAttentionKeys? earlier, int layer) // [B, T, C] → [B, T, C]
    {
        var p = training ? dropout : 0.0;
        x = x + F.dropout(attention.Forward(attentionNorm.call(x), rotary, mask, causal, earlier, layer), p, training);
        return x + F.dropout(mlp.call(mlpNorm.call(x)), p, training);
    }
}
