using static TorchSharp.torch;

namespace Forge.Training.Model;

/// <summary>Where new parameters are allocated: dtype and device (null: TorchSharp's defaults, float32 on the CPU).</summary>
internal readonly record struct Placement(ScalarType? DType, Device? Device)
{
    public static Placement Default => default;
}
