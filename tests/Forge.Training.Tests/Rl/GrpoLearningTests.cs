using Forge.Training.Generation;
using Forge.Training.Model;
using Forge.Training.Rl;

namespace Forge.Training.Tests.Rl;

/// <summary>The whole GRPO loop — sample a group, score it, group-relative advantages, clipped update — on a one-token bandit.</summary>
public sealed class GrpoLearningTests
{
    [Fact]
    public void Grpo_OneTokenBandit_LearnsTheRewardedToken()
    {
        const int target = 20, vocab = 32, group = 32;
        int[] prompt = [10, 11, 12];
        using var model = new CausalTransformer(new TransformerConfig { VocabSize = vocab, DModel = 32, Layers = 1, Heads = 2, MaxSeqLen = 8 }, seed: 3);
        var options = new TrainerOptions { LearningRate = 1e-2, WarmupUpdates = 0 };
        using var trainer = new PolicyTrainer(model, options, padId: 0);
        var sampling = new SamplingOptions { MaxNewTokens = 1, Seed = 7 };
        using var rng = new TorchSharp.torch.Generator(7);

        double Success() => Generator.Generate(model, Enumerable.Repeat(new GenerationRequest(prompt), 64).ToList(), sampling, rng)
            .Count(r => r.Tokens[0] == target) / 64.0;

        var before = Success();
        for (var update = 0; update < 30; update++)
        {
            var rollouts = Generator.Generate(model, Enumerable.Repeat(new GenerationRequest(prompt), group).ToList(), sampling, rng);
            var rewards = rollouts.Select(r => r.Tokens[0] == target ? 1.0 : 0.0).ToList();
            if (Advantages.AllEqual(rewards)) continue;   // no signal: skipped, as the pipeline does
            var advantages = Advantages.ForGroup(rewards, AdvantageEstimator.Grpo, scaleByStd: true);
            var samples = rollouts.Select((r, i) => new TrainingSample(
                new EncodedConversation([.. prompt, r.Tokens[0]], [false, false, false, true], [0, 0, 0, r.LogProbs[0]], true), advantages[i])).ToList();
            trainer.Update(samples);
        }
        var after = Success();
        Assert.True(before < 0.2, $"untrained success {before}");
        Assert.True(after > 0.8, $"success {before} → {after}");
    }
}
