using Forge.Training.Rl;

namespace Forge.Training.Tests.Rl;

public sealed class AdvantagesTests
{
    [Fact]
    public void ForGroup_GrpoWithStd_HandComputed()
    {
        // rewards 1, 0, 0, 1: mean 0.5, Bessel std sqrt(4·0.25/3) = 0.57735
        var a = Advantages.ForGroup([1, 0, 0, 1], AdvantageEstimator.Grpo, scaleByStd: true);
        var expected = 0.5 / (0.5773502692 + 1e-4);
        Assert.Equal([expected, -expected, -expected, expected], a, (x, y) => Math.Abs(x - y) < 1e-9);
    }

    [Fact]
    public void ForGroup_DrGrpoWithoutStd_MeanCentredOnly()
    {
        var a = Advantages.ForGroup([3, 1, 2], AdvantageEstimator.Grpo, scaleByStd: false);
        Assert.Equal([1.0, -1.0, 0.0], a);
    }

    [Fact]
    public void ForGroup_Rloo_LeaveOneOutBaseline()
    {
        // r = 3, 1, 2: baselines (1+2)/2 = 1.5, (3+2)/2 = 2.5, (3+1)/2 = 2
        var a = Advantages.ForGroup([3, 1, 2], AdvantageEstimator.Rloo, scaleByStd: false);
        Assert.Equal([1.5, -1.5, 0.0], a);
    }

    [Fact]
    public void ForGroup_RlooIsGrpoScaledByGOverGMinusOne()
    {
        double[] r = [0.3, 0.9, 0.1, 0.5];
        var grpo = Advantages.ForGroup(r, AdvantageEstimator.Grpo, false);
        var rloo = Advantages.ForGroup(r, AdvantageEstimator.Rloo, false);
        for (var i = 0; i < r.Length; i++) Assert.Equal(grpo[i] * 4 / 3, rloo[i], 12);
    }

    [Fact]
    public void ForGroup_AllEqual_ZeroAdvantages()
    {
        Assert.True(Advantages.AllEqual([0.5, 0.5, 0.5]));
        Assert.False(Advantages.AllEqual([0.5, 0.5, 0.6]));
        Assert.All(Advantages.ForGroup([0.5, 0.5, 0.5], AdvantageEstimator.Grpo, true), x => Assert.Equal(0, x));
    }
}
