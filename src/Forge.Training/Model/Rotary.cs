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

    // positions: [B, T] (or [1, T]) int64; inverseFrequencies: [hd/2] float32 on the positions' device.
    public Rotary(Tensor positions, Tensor inverseFrequencies)
    {
        var angles = positions.to_type(ScalarType.Float32).unsqueeze(-1) * inverseFrequencies; // [B, T, hd/2]
        var both = cat([angles, angles], -1).unsqueeze(1);                                     // [B, 1, T, hd]
        cos = both.cos();
        sin = both.sin();
    }

    /// <summary>
    /// The inverse frequencies θ_i = 1 / theta^(2i/hd) in float32 (as the reference implementations compute them),
    /// then rescaled by <paramref name="scaling"/> when given.
    /// </summary>
    public static float[] InverseFrequencies(int headDim, double theta, RopeScaling? scaling)
    {
        using var scope = NewDisposeScope();
        var baseFrequencies = (1.0 / pow(theta, arange(0, headDim, 2, ScalarType.Float32) / headDim)).data<float>().ToArray(); // [hd/2]
        return scaling is null
            ? baseFrequencies
            : [.. scaling.Rescale([.. baseFrequencies.Select(f => (double)f)]).Select(f => (float)f)];
    }

    /// <summary>Rotates queries or keys [B, H, T, hd].</summary>
    public Tensor Apply(Tensor x) => x * cos.to_type(x.dtype) + RotateHalf(x) * sin.to_type(x.dtype);

    private static Tensor RotateHalf(Tensor x) // (x1, x2) → (−x2, x1) along the last dim
    {
        var halves = x.chunk(2, -1);
        return cat([-halves[1], halves[0]], -1);
    }
}
