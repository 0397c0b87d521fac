using Forge.Host.Evaluation;

namespace Forge.Host.Tests.Evaluation;

public sealed class PassAtKTests
{
    [Theory]
    // 1 − C(n−c, k) / C(n, k), worked by hand.
    [InlineData(5, 2, 1, 0.4)]          // 1 − 3/5
    [InlineData(5, 2, 2, 0.7)]          // 1 − C(3,2)/C(5,2) = 1 − 3/10
    [InlineData(5, 2, 3, 0.9)]          // 1 − C(3,3)/C(5,3) = 1 − 1/10
    [InlineData(5, 2, 4, 1.0)]          // n − c < k: every draw of 4 holds a success
    [InlineData(4, 0, 4, 0.0)]
    [InlineData(4, 4, 1, 1.0)]
    [InlineData(8, 1, 4, 0.5)]          // 1 − C(7,4)/C(8,4) = 1 − 35/70
    [InlineData(10, 3, 2, 0.5333333333333333)] // 1 − C(7,2)/C(10,2) = 1 − 21/45
    public void Estimate_SmallCases_MatchTheBinomialFormula(int n, int c, int k, double expected) =>
        Assert.Equal(expected, PassAtK.Estimate(n, c, k), 12);

    [Fact]
    public void Estimate_LargeN_StaysFiniteWhereTheBinomialsOverflow()
    {
        // C(1000, 500) overflows a double; the ratio C(999, 500) / C(1000, 500) is (1000 − 500) / 1000.
        Assert.Equal(0.5, PassAtK.Estimate(1000, 1, 500), 12);
        Assert.Equal(1 - (500.0 / 1000) * (499.0 / 999), PassAtK.Estimate(1000, 2, 500), 12);
    }

    [Theory]
    [InlineData(5, 6, 1)]
    [InlineData(5, -1, 1)]
    [InlineData(5, 2, 0)]
    [InlineData(5, 2, 6)]
    public void Estimate_OutOfRange_Throws(int n, int c, int k) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PassAtK.Estimate(n, c, k));
}
