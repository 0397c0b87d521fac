using Forge.Training.Model;
using static TorchSharp.torch;

namespace Forge.Training.Checkpoints.Gguf;

/// <summary>How rotary positions differ between Hugging Face checkpoints and llama.cpp's <c>llama</c> architecture.</summary>
internal static class GgufRotary
{
    /// <summary>
    /// Reorders the rows of a q or k projection (weight [heads·hd, in] or bias [heads·hd]) from Hugging Face's
    /// rotate-half layout, where a head's rotary pairs are (i, i + hd/2), to the adjacent pairs (2i, 2i + 1) that
    /// llama.cpp's <c>llama</c> architecture rotates: within each head, row h·hd/2 + i moves to 2i + h.
    /// </summary>
    public static Tensor InterleaveHalves(Tensor projection, int heads)
    {
        var shape = projection.shape;
        long[] split = [heads, 2, shape[0] / heads / 2, .. shape[1..]];
        return projection.reshape(split).transpose(1, 2).reshape(shape); // [heads, hd/2, 2, …] flattened back
    }

    /// <summary>
    /// llama.cpp's <c>rope_freqs.weight</c> [hd/2]: the divisor of each rotary frequency, base θ_i over the scaled
    /// one (<see cref="RopeScaling.Rescale"/>); llama.cpp divides its own θ_i by it.
    /// </summary>
    public static float[] FrequencyFactors(TransformerConfig config)
    {
        var unscaled = Rotary.InverseFrequencies(config.HeadDim, config.RopeTheta, null);
        var scaled = Rotary.InverseFrequencies(config.HeadDim, config.RopeTheta, config.RopeScaling);
        return [.. unscaled.Zip(scaled, (u, s) => (float)((double)u / s))];
    }
}
