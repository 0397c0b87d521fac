using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Forge.Training.Lora;

/// <summary>
/// A low-rank adapter on a frozen <see cref="Linear"/>: <c>y = base(x) + dropout(x)·Aᵀ·Bᵀ·(α/r)</c>, with A [r, in]
/// drawn as PyTorch's <c>kaiming_uniform_(a=√5)</c> (U(−1/√in, 1/√in)) and B [out, r] zero, so that an adapted model
/// starts equal to its base. The adapter runs as a forward hook on the base projection, which stays where it is in the
/// model; switched off, the hook leaves the base's output untouched. A and B are fp32 whatever the base's dtype (they
/// are the master weights of a bf16 run); the adapter's output is cast to the base's output dtype.
/// </summary>
public sealed class LoraLayer : nn.Module<Tensor, Tensor>
{
    private readonly Linear _base;
    private readonly Parameter _a;
    private readonly Parameter _b;
    private readonly double _scale;
    private readonly double _dropout;
    private Action? _detach;

    internal LoraLayer(Linear baseLayer, LoraOptions options, Generator? generator) : base(nameof(LoraLayer))
    {
        _base = baseLayer;
        var weight = baseLayer.weight!;
        long outFeatures = weight.shape[0], inFeatures = weight.shape[1];
        _scale = options.Scale;
        _dropout = options.Dropout;
        var bound = 1.0 / Math.Sqrt(inFeatures);
        using (no_grad())
        {
            using var draw = rand([options.Rank, inFeatures], ScalarType.Float32, generator: generator);
            _a = new Parameter((draw * (2 * bound) - bound).to(weight.device));                      // [r, in]
            _b = new Parameter(zeros([outFeatures, options.Rank], ScalarType.Float32, weight.device)); // [out, r]
        }
        register_parameter("lora_A", _a);
        register_parameter("lora_B", _b);
    }

    /// <summary>A [r, in] (PEFT's <c>lora_A.weight</c>).</summary>
    public Parameter A => _a;

    /// <summary>B [out, r] (PEFT's <c>lora_B.weight</c>).</summary>
    public Parameter B => _b;

    /// <summary>The frozen projection this adapter adds to.</summary>
    public Linear Base => _base;

    /// <summary>Whether the adapter adds its output (false: the projection is exactly its base).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The adapter's contribution: x [..., in] → [..., out] in fp32. Dropout follows the base projection's training mode.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var input = F.dropout(x.to_type(ScalarType.Float32), _dropout, _base.training && _dropout > 0);
        return (F.linear(F.linear(input, _a), _b) * _scale).MoveToOuterDisposeScope();   // [..., r] → [..., out]
    }

    /// <summary>The weight update the adapter stands for: B·A·(α/r), [out, in] fp32.</summary>
    public Tensor Delta() => _b.matmul(_a).mul_(_scale);

    internal void Attach()
    {
        var hook = _base.register_forward_hook((_, input, output) => Enabled ? output + call(input).to_type(output.dtype) : output);
        _detach = hook.remove;
    }

    internal void Detach()
    {
        _detach?.Invoke();
        _detach = null;
    }
}
