using TorchSharp;

namespace Forge.Training.Tests;

internal static class TensorAssert
{
    /// <summary>Same dtype, shape and every element bit-for-bit equal.</summary>
    public static bool Same(torch.Tensor a, torch.Tensor b)
    {
        if (a.dtype != b.dtype || !a.shape.SequenceEqual(b.shape))
            return false;
        using var eq = a.eq(b);
        using var all = eq.all();
        return all.item<bool>();
    }
}
