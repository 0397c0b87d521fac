using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Forge.Training.Model;

/// <summary>The feed-forward half of a block: SwiGLU (gate/up/down) or GELU (fc/proj).</summary>
internal sealed class Mlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear? gate;
    private readonly Linear up;
    private readonly Linear down;

    public Mlp(TransformerConfig config, Placement at = default) : base(nameof(Mlp))
    {
        if (config.Mlp == MlpKind.SwiGlu)
            gate = nn.Linear(config.DModel, config.FfHidden, hasBias: config.MlpBias, device: at.Device, dtype: at.DType);
        up = nn.Linear(config.DModel, config.FfHidden, hasBias: config.MlpBias, device: at.Device, dtype: at.DType);
        down = nn.Linear(config.FfHidden, config.DModel, hasBias: config.MlpBias, device: at.Device, dtype: at.DType);
        RegisterComponents();
    }

    internal Linear OutputProjection => down;

    public override Tensor forward(Tensor x) => gate is null // [B, T, C] → [B, T, C]
        ? down.call(F.gelu(up.call(x)))
        : down.call(F.silu(gate.call(x)) * up.call(x));
}
