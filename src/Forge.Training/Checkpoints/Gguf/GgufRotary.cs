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
    /// llama.cpp's <c>rope_freqs.weight</c> for Llama 3 rope scaling: one divisor of the rotary frequency per pair
    /// [hd/2]. Hugging Face's rule: wavelengths shorter than <c>original/high_freq_factor</c> keep their frequency,
    /// longer than <c>original/low_freq_factor</c> are divided by <c>factor</c>, and those between blend the two
    /// with <c>smooth = (original/wavelength − low) / (high − low)</c>.
    /// </summary>
    public static float[] Llama3FrequencyFactors(int headDim, double theta, double factor, double lowFreqFactor, double highFreqFactor, double originalContext)
    {
        var lowFreqWavelength = originalContext / lowFreqFactor;
        var highFreqWavelength = originalContext / highFreqFactor;
        var factors = new float[headDim / 2];
        for (var i = 0; i < factors.Length; i++)
        {
            var frequency = 1.0 / Math.Pow(theta, 2.0 * i / headDim);
            var wavelength = 2 * Math.PI / frequency;
            if (wavelength < highFreqWavelength)
                factors[i] = 1;
            else if (wavelength > lowFreqWavelength)
                factors[i] = (float)factor;
            else
            {
                var smooth = (originalContext / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                factors[i] = (float)(1 / ((1 - smooth) / factor + smooth));
            }
        }
        return factors;
    }
}
