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
