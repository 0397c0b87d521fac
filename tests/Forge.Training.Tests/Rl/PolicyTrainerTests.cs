using Forge.Training.Generation;
using Forge.Training.Model;
using Forge.Training.Rl;
using TorchSharp;

namespace Forge.Training.Tests.Rl;

public sealed class PolicyTrainerTests
{
    private static readonly int[] Prompt = [10, 11, 12, 13];

    private static CausalTransformer TinyModel()
    {
        return new CausalTransformer(new TransformerConfig { VocabSize = 32, DModel = 32, Layers = 1, Heads = 2, MaxSeqLen = 16 }, seed: 5);
    }

    // Sum of the log-probs of the response tokens, and the per-token log-probs (recorded as the sampling policy's).
    private static (double Sum, float[] PerToken) ResponseLogProb(CausalTransformer model, int[] response)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        int[] ids = [.. Prompt, .. response];
        var lp = LogProbs.ForSequences(model, [ids], 1.0)[0];   // lp[t] = log p(ids[t+1])
        var perToken = new float[ids.Length];
        for (var i = Prompt.Length; i < ids.Length; i++) perToken[i] = lp[i - 1];
        return (perToken.Sum(), perToken);
    }

    private static TrainingSample Sample(CausalTransformer model, int[] response, double advantage)
    {
        int[] ids = [.. Prompt, .. response];
        var mask = ids.Select((_, i) => i >= Prompt.Length).ToArray();
        return new TrainingSample(new EncodedConversation(ids, mask, ResponseLogProb(model, response).PerToken, true), advantage);
    }

    [Theory]
    [InlineData(LossAggregation.TokenMean)]
    [InlineData(LossAggregation.SeqMeanTokenMean)]
    [InlineData(LossAggregation.SeqMeanTokenSumNorm)]
    public void Update_FixedBatch_RaisesRewardedLowersPunished(LossAggregation aggregation)
    {
        using var model = TinyModel();
        int[] rewarded = [20, 21, 22], punished = [23, 24, 25];
        var before = (Good: ResponseLogProb(model, rewarded).Sum, Bad: ResponseLogProb(model, punished).Sum);
        var options = new TrainerOptions { LearningRate = 1e-2, WarmupUpdates = 0, LossAggregation = aggregation, SumNormConstant = 4 };
        using var trainer = new PolicyTrainer(model, options, padId: 0);

        UpdateStats? stats = null;
        for (var i = 0; i < 4; i++)
            stats = trainer.Update([Sample(model, rewarded, +1), Sample(model, punished, -1)]);   // on-policy: re-recorded each time

        var after = (Good: ResponseLogProb(model, rewarded).Sum, Bad: ResponseLogProb(model, punished).Sum);
        Assert.True(after.Good > before.Good + 0.1, $"rewarded: {before.Good} → {after.Good}");
        Assert.True(after.Bad < before.Bad - 0.1, $"punished: {before.Bad} → {after.Bad}");
        Assert.Equal(4, trainer.Version);
        Assert.Equal(6, stats!.PolicyTokens);
        Assert.True(stats.Entropy > 0);
        Assert.Equal(0, stats.ClipFraction);   // on-policy, one epoch: every ratio is 1
    }

    [Fact]
    public void Update_StaleOldLogProbs_ClipsAndReportsKl()
    {
        using var model = TinyModel();
        var sample = Sample(model, [20, 21, 22], +1);
        var options = new TrainerOptions { LearningRate = 5e-2, WarmupUpdates = 0, PpoEpochs = 6, ClipHigh = 0.1 };
        using var trainer = new PolicyTrainer(model, options, padId: 0);
        var stats = trainer.Update([sample]);
        Assert.True(stats.ApproxKl > 0);
        Assert.True(stats.ClipFraction > 0, "after several epochs on the same batch the ratio leaves [1−ε, 1+ε]");
    }

    [Fact]
    public void Update_WithKlCoefficient_ReferenceKlReported()
    {
        using var model = TinyModel();
        var options = new TrainerOptions { LearningRate = 5e-2, WarmupUpdates = 0, KlCoefficient = 0.1 };
        using var trainer = new PolicyTrainer(model, options, padId: 0);
        var first = trainer.Update([Sample(model, [20, 21], +1), Sample(model, [23, 24], -1)]);
        Assert.Equal(0, first.RefKl, 6);    // the reference is the policy as it was at the first update
        var second = trainer.Update([Sample(model, [20, 21], +1), Sample(model, [23, 24], -1)]);
        Assert.True(second.RefKl > 0);
    }

    [Fact]
    public void Update_SeveralPpoEpochs_ReferenceRunsOncePerMicroBatch()
    {
        using var model = TinyModel();
        // Each 6-token sequence fills a 6-token micro-batch: 2 micro-batches × 3 epochs, but the frozen reference runs twice.
        var options = new TrainerOptions { LearningRate = 5e-2, WarmupUpdates = 0, KlCoefficient = 0.1, PpoEpochs = 3, MicroBatchTokens = 6 };
        using var trainer = new PolicyTrainer(model, options, padId: 0);
        var first = trainer.Update([Sample(model, [20, 21], +1), Sample(model, [23, 24], -1)]);
        Assert.Equal(2, first.MicroBatches);
        Assert.Equal(2, trainer.ReferencePasses);
        Assert.True(first.RefKl > 0, "the last epoch's policy has moved away from the reference taken at the first");
        trainer.Update([Sample(model, [20, 21], +1), Sample(model, [23, 24], -1)]);
        Assert.Equal(4, trainer.ReferencePasses);
    }

    [Fact]
    public void Update_WarmUp_LinearLearningRate()
    {
        using var model = TinyModel();
        var options = new TrainerOptions { LearningRate = 1e-3, WarmupUpdates = 3 };
        using var trainer = new PolicyTrainer(model, options, padId: 0);
        var rates = Enumerable.Range(0, 5).Select(_ => trainer.Update([Sample(model, [20], 1)]).LearningRate).ToArray();
        Assert.Equal([0.25e-3, 0.5e-3, 0.75e-3, 1e-3, 1e-3], rates, (a, b) => Math.Abs(a - b) < 1e-12);
    }

    [Fact]
    public void FineTuneEpoch_Demonstrations_RaisesTheirLikelihood()
    {
        using var model = TinyModel();
        int[] response = [20, 21, 22];
        var before = ResponseLogProb(model, response).Sum;
        using var trainer = new PolicyTrainer(model, new TrainerOptions(), padId: 0);
        int[] ids = [.. Prompt, .. response];
        var demo = new EncodedConversation(ids, ids.Select((_, i) => i >= Prompt.Length).ToArray(), new float[ids.Length], false);
        for (var i = 0; i < 5; i++) trainer.FineTuneEpoch([demo, demo], 1e-2, 64, new Random(1));
        Assert.True(ResponseLogProb(model, response).Sum > before + 1);
        Assert.Equal(0, trainer.Version);
    }

    [Fact]
    public void FineTuneEpoch_MaxGradNorm_ClipsItsOwnGradients()
    {
        // Adam divides by the gradient's running scale, so only a clip far below ε (1e-8 per element) shows as a step
        // that hardly moves the weights; the same demonstrations with the trainer's own max_grad_norm (1) move them.
        int[] response = [20, 21, 22];
        int[] ids = [.. Prompt, .. response];
        var demo = new EncodedConversation(ids, ids.Select((_, i) => i >= Prompt.Length).ToArray(), new float[ids.Length], false);
        double Gain(double? maxGradNorm)
        {
            using var model = TinyModel();
            var before = ResponseLogProb(model, response).Sum;
            using var trainer = new PolicyTrainer(model, new TrainerOptions { MaxGradNorm = 1.0 }, padId: 0);
            for (var i = 0; i < 3; i++)
                if (maxGradNorm is { } clip) trainer.FineTuneEpoch([demo, demo], 1e-2, 64, new Random(1), clip);
                else trainer.FineTuneEpoch([demo, demo], 1e-2, 64, new Random(1));
            return ResponseLogProb(model, response).Sum - before;
        }
        Assert.True(Gain(null) > 1);
        Assert.InRange(Gain(1e-14), -1e-3, 1e-3);
    }

    [Fact]
    public void Update_DemonstrationWithoutLogProbs_Refused()
    {
        using var model = TinyModel();
        using var trainer = new PolicyTrainer(model, new TrainerOptions(), padId: 0);
        var demo = new EncodedConversation([1, 2, 3], [false, true, true], new float[3], false);
        Assert.Throws<InvalidOperationException>(() => trainer.Update([new TrainingSample(demo, 1)]));
    }
}
