using Forge.Training.Checkpoints.Gguf;
using Forge.Training.Model;
using TorchSharp;

namespace Forge.Training.Tests.Checkpoints.Gguf;

public sealed class GgufRotaryTests
{
    [Fact]
    public void InterleaveHalves_PutsEachRotaryPairOnAdjacentRows()
    {
        // Two heads of size 4: rows (0 1 | 2 3) and (4 5 | 6 7), pairs (0,2), (1,3), (4,6), (5,7).
        using var rows = torch.arange(8, dtype: torch.float32).unsqueeze(1).expand(8, 3);
        using var permuted = GgufRotary.InterleaveHalves(rows, heads: 2);
        Assert.Equal([0f, 2, 1, 3, 4, 6, 5, 7], permuted.select(1, 0).data<float>().ToArray());
        using var bias = GgufRotary.InterleaveHalves(torch.arange(8, dtype: torch.float32), heads: 2);
        Assert.Equal([0f, 2, 1, 3, 4, 6, 5, 7], bias.data<float>().ToArray());
    }

    [Fact]
    public void FrequencyFactors_DivideTheBaseFrequenciesIntoTheScaledOnes()
    {
        var config = new TransformerConfig
        {
            DModel = 64, Heads = 4, RopeTheta = 500000,
            RopeScaling = new RopeScaling { Kind = RopeScalingKind.Llama3, Factor = 8, LowFreqFactor = 1, HighFreqFactor = 4, OriginalMaxPositions = 64 },
        };
        var factors = GgufRotary.FrequencyFactors(config);
        Assert.Equal(8, factors.Length);
        Assert.Equal(1f, factors[0]);                  // the fastest pair: wavelength 2π < 64/4, kept
        Assert.Equal(8f, factors[^1], precision: 4);   // the slowest: wavelength ≫ 64, divided by the factor
        Assert.All(factors, f => Assert.InRange(f, 1f, 8f));
    }
}
