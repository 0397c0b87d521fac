using static TorchSharp.torch;

namespace Forge.Training.Model;

/// <summary>
/// Rotary position embedding (RoPE, rotate-half convention as in LLaMA): the cos/sin of every token's angles,
/// computed from explicit positions so that left-padded rows and cached decoding see the same angles.
/// </summary>
internal sealed class Rotary
{
    private readonly Tensor cos; // [B, 1, T, hd]
    private readonly Tensor sin; // [B, 1, T, hd]

    // positions: [B, T] (or [1, T]) int64.
    public Rotary(Tensor positions, int headDim, double theta)
    {
        var invFreq = 1.0 / pow(theta, arange(0, headDim, 2, ScalarType.Float32, positions.device) / headDim); // [hd/2]
        var angles = positions.to_type(ScalarType.Float32).unsqueeze(-1) * invFreq;                             // [B, T, hd/2]
        var both = cat([angles, angles], -1).unsqueeze(1);                                                         // [B, 1, T, hd]
        cos = both.cos();
        sin = both.sin();
    }

    /// <summary>Rotates queries or keys [B, H, T, hd].</summary>
    public Tensor Apply(Tensor x) => x * cos.to_type(x.dtype) + RotateHalf(x) * sin.to_type(x.dtype);

    private static Tensor RotateHalf(Tensor x) // (x1, x2) → (−x2, x1) along the last dim
    {
        var halves = x.chunk(2, -1);
        return cat([-halves[1], halves[0]], -1);
    }
}
