using Forge.Training.Rl;
using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Training.Tests.Rl;

public sealed class PolicyLossTests
{
    private static Tensor T(float[,] values) => torch.tensor(values);

    [Fact]
    public void Compute_ClippedRatio_HandComputed()
    {
        using var scope = torch.NewDisposeScope();
        // One sequence, three policy tokens and one masked context token; A = +1.
        // ratios: e^0.5 = 1.6487 (clipped at 1.28), e^0 = 1, e^-0.5 = 0.6065 (A > 0: not clipped below)
        var logp = T(new float[,] { { -1.0f, -2.0f, -3.0f, -9.0f } });
        var old = T(new float[,] { { -1.5f, -2.0f, -2.5f, 0f } });
        var mask = T(new float[,] { { 1, 1, 1, 0 } });
        var adv = torch.tensor(new float[] { 1f });
        var (loss, stats) = PolicyLoss.Compute(logp, old, null, adv, mask, new PolicyLossOptions { ClipLow = 0.2, ClipHigh = 0.28 }, new BatchNormalizer(3, 1, 10));
        var expected = -(1.28 + 1.0 + Math.Exp(-0.5)) / 3;
        Assert.Equal(expected, loss.item<float>(), 5);
        Assert.Equal(3, stats.PolicyTokens);
        Assert.Equal(1, stats.ClippedTokens);
        Assert.Equal(0.5 * (0.25 + 0 + 0.25), stats.ApproxKl, 5);
    }

    [Fact]
    public void Compute_NegativeAdvantage_ClippedBelow()
    {
        using var scope = torch.NewDisposeScope();
        // A = −2: the ratio e^-0.5 = 0.6065 is clipped below at 0.8, the ratio e^0.5 is not clipped above (A < 0)
        var logp = T(new float[,] { { -3.0f, -1.0f } });
        var old = T(new float[,] { { -2.5f, -1.5f } });
        var mask = T(new float[,] { { 1, 1 } });
        var adv = torch.tensor(new float[] { -2f });
        var (loss, stats) = PolicyLoss.Compute(logp, old, null, adv, mask, new PolicyLossOptions(), new BatchNormalizer(2, 1, 1));
        // token 1: −min(0.6065·−2, 0.8·−2) = 1.6 (clipped); token 2: −min(1.6487·−2, 1.28·−2) = 3.2974 (unclipped)
        Assert.Equal((1.6 + 2 * Math.Exp(0.5)) / 2, loss.item<float>(), 4);
        Assert.Equal(1, stats.ClippedTokens);
    }

    [Fact]
    public void KlK3_HandComputed_NonNegative()
    {
        using var scope = torch.NewDisposeScope();
        var kl = PolicyLoss.KlK3(torch.tensor(new float[] { -1f, -2f, -0.5f }), torch.tensor(new float[] { -1.5f, -2f, 0f }));
        var d = new[] { -0.5, 0, 0.5 };
        var expected = d.Select(x => Math.Exp(x) - x - 1).ToArray();
        var got = kl.data<float>().ToArray();
        for (var i = 0; i < 3; i++) Assert.Equal(expected[i], got[i], 5);
        Assert.All(got, x => Assert.True(x >= 0));
    }

    [Fact]
    public void KlK3_PolicyFarBelowReference_CappedWithoutGradient()
    {
        using var scope = torch.NewDisposeScope();
        // ref − logp = 8: uncapped k3 = e^8 − 9 ≈ 2972 with gradient 1 − e^8 ≈ −2980 on logp; capped, 10 and no gradient.
        var logp = torch.tensor(new float[] { -9f, -1f }, requires_grad: true);
        var kl = PolicyLoss.KlK3(logp, torch.tensor(new float[] { -1f, -1.5f }));
        Assert.Equal(PolicyLoss.KlK3Max, kl[0].item<float>(), 5);
        Assert.Equal(Math.Exp(-0.5) + 0.5 - 1, kl[1].item<float>(), 5);
        kl.sum().backward();
        var grad = logp.grad!.data<float>().ToArray();
        Assert.Equal(0, grad[0]);
        Assert.Equal(1 - Math.Exp(-0.5), grad[1], 5);
    }

    [Fact]
    public void Compute_KlCoefficient_AddsWeightedKl()
    {
        using var scope = torch.NewDisposeScope();
        var logp = T(new float[,] { { -1f, -2f } });
        var reference = T(new float[,] { { -1.5f, -1f } });
        var mask = T(new float[,] { { 1, 1 } });
        var (loss, stats) = PolicyLoss.Compute(logp, logp.clone(), reference, torch.tensor(new float[] { 0f }), mask,
            new PolicyLossOptions { KlCoefficient = 0.1 }, new BatchNormalizer(2, 1, 1));
        var k3 = (Math.Exp(-0.5) + 0.5 - 1) + (Math.Exp(1) - 1 - 1);
        Assert.Equal(0.1 * k3 / 2, loss.item<float>(), 5);
        Assert.Equal(k3, stats.RefKl, 4);
    }

    [Fact]
    public void Compute_EntropyCoefficient_SubtractsWeightedEntropyOfPolicyTokens()
    {
        using var scope = torch.NewDisposeScope();
        // A = 0 and ratio 1: the surrogate is 0, so the loss is −c_H × the token-mean entropy over the mask (1.0 and 0.5; 7 is masked out).
        var logp = T(new float[,] { { -1f, -2f, -3f } });
        var mask = T(new float[,] { { 1, 1, 0 } });
        var entropy = T(new float[,] { { 1.0f, 0.5f, 7f } });
        var (loss, _) = PolicyLoss.Compute(logp, logp.clone(), null, torch.tensor(new float[] { 0f }), mask,
            new PolicyLossOptions { EntropyCoefficient = 0.01 }, new BatchNormalizer(2, 1, 1), entropy);
        Assert.Equal(-0.01 * (1.0 + 0.5) / 2, loss.item<float>(), 6);
        Assert.Throws<ArgumentNullException>(() => PolicyLoss.Compute(logp, logp.clone(), null, torch.tensor(new float[] { 0f }), mask,
            new PolicyLossOptions { EntropyCoefficient = 0.01 }, new BatchNormalizer(2, 1, 1)));
    }

    [Theory]
    [InlineData(LossAggregation.TokenMean, (1 + 2 + 3 + 4.0) / 4)]            // all tokens of the batch
    [InlineData(LossAggregation.SeqMeanTokenMean, ((1 + 2 + 3) / 3.0 + 4) / 2)]  // per-sequence mean, then mean
    [InlineData(LossAggregation.SeqMeanTokenSumNorm, (1 + 2 + 3 + 4.0) / (8 * 2))] // constant 8
    public void Aggregate_Modes_HandComputed(LossAggregation mode, double expected)
    {
        using var scope = torch.NewDisposeScope();
        var perToken = T(new float[,] { { 1, 2, 3, 99 }, { 4, 99, 99, 99 } });
        var mask = T(new float[,] { { 1, 1, 1, 0 }, { 1, 0, 0, 0 } });
        Assert.Equal(expected, PolicyLoss.Aggregate(perToken, mask, mode, new BatchNormalizer(4, 2, 8)).item<float>(), 5);
    }

    [Fact]
    public void Compute_Gradient_RaisesLogProbOfPositiveAdvantageToken()
    {
        using var scope = torch.NewDisposeScope();
        var logp = T(new float[,] { { -1f, -1f } }).requires_grad_(true);
        var (loss, _) = PolicyLoss.Compute(logp, T(new float[,] { { -1f, -1f } }), null, torch.tensor(new float[] { 1f }),
            T(new float[,] { { 1, 0 } }), new PolicyLossOptions(), new BatchNormalizer(1, 1, 1));
        loss.backward();
        var g = logp.grad!.data<float>().ToArray();
        Assert.True(g[0] < 0);      // descending the loss raises the log-prob
        Assert.Equal(0, g[1]);      // masked tokens get no gradient
    }
}
