using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Forge.Training.Model;

/// <summary>Root-mean-square layer norm over the last dim: x / sqrt(mean(x²) + eps) · weight, computed in fp32.</summary>
internal sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly double eps;

    public RmsNorm(long dim, double eps, Placement at = default) : base(nameof(RmsNorm))
    {
        this.eps = eps;
        weight = new Parameter(ones(dim, at.DType, at.Device));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) // [..., C] → [..., C]
    {
        using var scope = NewDisposeScope();
        var x32 = x.to_type(ScalarType.Float32);
        var normed = x32 * rsqrt(x32.pow(2).mean([-1L], keepdim: true) + eps);
        return (normed.type_as(x) * weight).MoveToOuterDisposeScope();
    }
}
