using Forge.Training.Model;
using Forge.Training.Rl;
using TorchSharp;

namespace Forge.Training.Tests.Model;

/// <summary>
/// <see cref="CausalTransformer.ForwardSharedPrefix"/> runs the prefix all rows share once: the logits and every
/// parameter's gradient are those of the plain forward pass over the whole batch.
/// </summary>
public sealed class SharedPrefixForwardTests
{
    // Four right-padded rows (pad 0) that share their first 9 ids, then differ and end at different lengths.
    private static torch.Tensor Ids()
    {
        long[][] rows =
        [
            [5, 9, 2, 33, 7, 7, 1, 20, 14, 3, 8, 11, 12, 6, 4, 19],
            [5, 9, 2, 33, 7, 7, 1, 20, 14, 25, 26, 0, 0, 0, 0, 0],
            [5, 9, 2, 33, 7, 7, 1, 20, 14, 3, 8, 30, 31, 0, 0, 0],
            [5, 9, 2, 33, 7, 7, 1, 20, 14, 17, 0, 0, 0, 0, 0, 0],
        ];
        return torch.tensor(rows.SelectMany(r => r).ToArray(), [4, 16]);
    }

    public static TheoryData<string> Configs => ["tiny", "gqa-qknorm-untied"];

    private static TransformerConfig Config(string name) => name == "tiny"
        ? TinyModels.Config()
        : TinyModels.Config(tie: false) with { Heads = 4, KvHeads = 2, QkNorm = true, Mlp = MlpKind.Gelu };

    [Theory]
    [MemberData(nameof(Configs))]
    public void ForwardSharedPrefix_LogitsAndGradientsEqualPlainForward(string config)
    {
        using var plain = TinyModels.Create(Config(config));
        using var shared = plain.Clone();
        plain.train();
        shared.train();
        using var ids = Ids();
        using var weights = torch.rand([4, 16, 40], generator: new torch.Generator(2));   // a loss that reaches every position

        using var expected = plain.call(ids);                                               // [B, T, V]
        using var actual = shared.ForwardSharedPrefix(ids, 9);
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(expected.allclose(actual, rtol: 0, atol: 1e-5), $"largest difference {(expected - actual).abs().max().item<float>()}");

        (expected.log_softmax(-1) * weights).sum().backward();
        (actual.log_softmax(-1) * weights).sum().backward();
        var sharedGrads = shared.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!);
        foreach (var (name, parameter) in plain.named_parameters())
        {
            var g = parameter.grad!;
            var scale = Math.Max(1e-3, g.abs().max().item<float>());
            var diff = (g - sharedGrads[name]).abs().max().item<float>();
            Assert.True(diff <= 1e-4 * scale, $"{name}: gradient differs by {diff} (largest {scale})");
        }
    }

    // The real lengths of Ids()'s rows: 16, 11, 13 and 10 tokens (7, 2, 4 and 1 after the 9 shared).
    private static readonly int[] Lengths = [16, 11, 13, 10];

    [Theory]
    [MemberData(nameof(Configs))]
    public void ForwardSharedPrefix_PackedRows_RealPositionsEqualPlainForward(string config)
    {
        using var plain = TinyModels.Create(Config(config));
        using var packed = plain.Clone();
        plain.train();
        packed.train();
        Assert.True(packed.PackingPays(rows: 4, ownWidth: 7, sharedPrefix: 9, packed: 14));   // the case below is packed
        using var ids = Ids();
        using var real = torch.tensor(Lengths.SelectMany(n => Enumerable.Range(0, 16).Select(j => j < n ? 1f : 0f)).ToArray(), [4, 16, 1]);   // [B, T, 1]
        using var weights = torch.rand([4, 16, 40], generator: new torch.Generator(2)) * real;   // a loss on every real position

        using var expected = plain.call(ids);                                               // [B, T, V]
        using var actual = packed.ForwardSharedPrefix(ids, 9, Lengths);
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(actual.isfinite().all().item<bool>(), "padding positions carry finite logits");
        using var difference = ((expected - actual) * real).abs().max();
        Assert.True(difference.item<float>() <= 1e-5, $"largest difference at a real position {difference.item<float>()}");

        (expected.log_softmax(-1) * weights).sum().backward();
        (actual.log_softmax(-1) * weights).sum().backward();
        var packedGrads = packed.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!);
        foreach (var (name, parameter) in plain.named_parameters())
        {
            var g = parameter.grad!;
            var scale = Math.Max(1e-3, g.abs().max().item<float>());
            var diff = (g - packedGrads[name]).abs().max().item<float>();
            Assert.True(diff <= 1e-4 * scale, $"{name}: gradient differs by {diff} (largest {scale})");
        }
    }

    [Fact]
    public void PackingPays_ByHand_OnlyWhenPaddingOutweighsDenseAttention()
    {
        // TinyModels: d 32, 4 heads of 8, SwiGLU 64 wide → projections 2·(4·32·32 + 3·32·64) = 20,480 FLOPs a token,
        // attention 4·32 = 128 a key. Padded: 4 rows × 7 = 28 tokens seeing 16 keys = 630,784.
        using var model = TinyModels.Create();
        Assert.True(model.PackingPays(4, 7, 9, packed: 14));    // 14 × (20,480 + 128·23) = 327,936 < 0.9 × 630,784
        Assert.False(model.PackingPays(4, 7, 9, packed: 28));   // no padding: 28 × (20,480 + 128·37) = 706,048
        Assert.False(model.PackingPays(4, 7, 9, packed: 0));
    }

    [Fact]
    public void ForwardSharedPrefix_LengthsOutsideThePrefixAndWidth_Throws()
    {
        using var model = TinyModels.Create();
        using var ids = Ids();
        Assert.Throws<ArgumentException>(() => model.ForwardSharedPrefix(ids, 9, [16, 11, 13]));
        Assert.Throws<ArgumentException>(() => model.ForwardSharedPrefix(ids, 9, [16, 11, 13, 8]));
        Assert.Throws<ArgumentException>(() => model.ForwardSharedPrefix(ids, 9, [17, 11, 13, 10]));
    }

    [Fact]
    public void ForwardSharedPrefix_NothingToShare_IsPlainForward()
    {
        using var model = TinyModels.Create();
        model.eval();
        using var noGrad = torch.no_grad();
        using var ids = Ids();
        using var expected = model.call(ids);
        foreach (var prefix in new[] { 0, 16 })
        {
            using var actual = model.ForwardSharedPrefix(ids, prefix);
            Assert.True(TensorAssert.Same(expected, actual), $"prefix {prefix}");
        }
        using var one = model.ForwardSharedPrefix(ids.narrow(0, 0, 1), 9);
        Assert.True(TensorAssert.Same(expected.narrow(0, 0, 1), one));
    }

    [Fact]
    public void SequenceTensors_SharedPrefix_IsTheRowsCommonStartWithinTheInputs()
    {
        static TrainingSample Row(params int[] ids) =>
            new(new EncodedConversation([.. ids], [.. ids.Select((_, i) => i > 2)], [.. ids.Select(_ => 0f)], HasOldLogProbs: true), 1.0);

        using var scope = torch.NewDisposeScope();
        Assert.Equal(2, SequenceTensors.Build([Row(1, 2, 3, 4, 5), Row(1, 2, 3, 9), Row(1, 2, 7, 7, 7, 7)], 0, torch.CPU).SharedPrefix);
        Assert.Equal(3, SequenceTensors.Build([Row(1, 2, 3, 4), Row(1, 2, 3, 4)], 0, torch.CPU).SharedPrefix);   // capped at the inputs' width T − 1
        Assert.Equal(2, SequenceTensors.Build([Row(1, 2, 3, 4), Row(1, 2)], 0, torch.CPU).SharedPrefix);         // at most the shortest row: padding is not shared
    }
}
