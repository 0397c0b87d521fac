using Forge.Training.Lora;
using Forge.Training.Model;
using Forge.Training.Rl;
using Forge.Training.Tests.Lora;
using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Training.Tests.Model;

public sealed class ActivationCheckpointingTests
{
    // A loss over every position: log-probs of the next id, weighted so that no gradient is symmetric by accident.
    private static Tensor Loss(CausalTransformer model)
    {
        var ids = LoraFixtures.Ids();
        var logits = model.call(ids.narrow(1, 0, 3));                                    // [2, 3, V]
        var logp = logits.log_softmax(-1).gather(-1, ids.narrow(1, 1, 3).unsqueeze(-1));  // [2, 3, 1]
        return -(logp.squeeze(-1) * tensor(new float[] { 1, 2, 3 })).sum();
    }

    private static Dictionary<string, Tensor> Gradients(IEnumerable<(string Name, Tensor Parameter)> parameters) =>
        parameters.ToDictionary(p => p.Name, p => p.Parameter.grad!.clone());

    [Fact]
    public void Backward_Checkpointed_GradientsEqualPlain()
    {
        using var plain = TinyModels.Create();
        using var checkpointed = TinyModels.Create();
        checkpointed.ActivationCheckpointing = true;
        plain.train();
        checkpointed.train();
        using var plainLoss = Loss(plain);
        using var checkpointedLoss = Loss(checkpointed);
        Assert.Equal(plainLoss.item<float>(), checkpointedLoss.item<float>());
        plainLoss.backward();
        checkpointedLoss.backward();

        var expected = Gradients(plain.named_parameters().Select(p => (p.name, (Tensor)p.parameter)));
        var actual = Gradients(checkpointed.named_parameters().Select(p => (p.name, (Tensor)p.parameter)));
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, grad) in expected)
        {
            Assert.True(grad.abs().sum().item<float>() > 0, name);
            Assert.True(grad.allclose(actual[name], rtol: 1e-5, atol: 1e-7), $"{name}: max diff {(grad - actual[name]).abs().max().item<float>()}");
        }
    }

    [Fact]
    public void Backward_CheckpointedWithFrozenBaseAndAdapters_AdapterGradientsEqualPlain()
    {
        using var plain = TinyModels.Create();
        using var checkpointed = TinyModels.Create();
        checkpointed.ActivationCheckpointing = true;
        using var plainAdapters = LoraAdapters.Attach(plain, LoraFixtures.Options(), seed: 3);
        using var checkpointedAdapters = LoraAdapters.Attach(checkpointed, LoraFixtures.Options(), seed: 3);
        LoraFixtures.Perturb(plainAdapters);
        LoraFixtures.Perturb(checkpointedAdapters);
        plain.train();
        checkpointed.train();
        Loss(plain).backward();
        Loss(checkpointed).backward();   // the embedding is frozen: the first block's input needs no gradient

        for (var i = 0; i < plainAdapters.Layers.Count; i++)
            foreach (var which in new[] { "A", "B" })
            {
                var (p, c) = which == "A" ? (plainAdapters.Layers[i].Layer.A, checkpointedAdapters.Layers[i].Layer.A) : (plainAdapters.Layers[i].Layer.B, checkpointedAdapters.Layers[i].Layer.B);
                Assert.NotNull(c.grad);
                Assert.True(p.grad!.allclose(c.grad, rtol: 1e-5, atol: 1e-7), $"{plainAdapters.Layers[i].Module}.{which}: max diff {(p.grad - c.grad).abs().max().item<float>()}");
            }
        Assert.All(checkpointed.parameters(), p => Assert.Null(p.grad));
    }

    [Fact]
    public void Update_TrainerWithCheckpointing_SameStepAsWithout()
    {
        using var plain = TinyModels.Create();
        using var checkpointed = TinyModels.Create();
        var options = new TrainerOptions { LearningRate = 1e-2, WarmupUpdates = 0 };
        using var plainTrainer = new PolicyTrainer(plain, options, padId: 0);
        using var checkpointedTrainer = new PolicyTrainer(checkpointed, new TrainerOptions { LearningRate = 1e-2, WarmupUpdates = 0, ActivationCheckpointing = true }, padId: 0);
        Assert.True(checkpointed.ActivationCheckpointing);
        var a = plainTrainer.Update([LoraFixtures.Sample(plain, [20, 21, 22], +1), LoraFixtures.Sample(plain, [23, 24, 25], -1)]);
        var b = checkpointedTrainer.Update([LoraFixtures.Sample(checkpointed, [20, 21, 22], +1), LoraFixtures.Sample(checkpointed, [23, 24, 25], -1)]);
        Assert.Equal(a.GradNorm, b.GradNorm, 5);
        var after = checkpointed.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.All(plain.named_parameters(), p => Assert.True(p.parameter.allclose(after[p.name], rtol: 1e-5, atol: 1e-6), p.name));
    }

    [Fact]
    public void Update_Bf16LoraWithCheckpointing_SameAdaptersAsWithout()
    {
        using var plain = TinyModels.Create();
        using var checkpointed = TinyModels.Create();
        using var plainAdapters = LoraAdapters.Attach(plain, LoraFixtures.Options(), seed: 3);
        using var checkpointedAdapters = LoraAdapters.Attach(checkpointed, LoraFixtures.Options(), seed: 3);
        TrainerOptions Options(bool checkpointing) => new()
        {
            LearningRate = 1e-2, WarmupUpdates = 0, Precision = Forge.Training.Precision.TrainingPrecision.Bf16, Lora = LoraFixtures.Options(), ActivationCheckpointing = checkpointing,
        };
        using var plainTrainer = new PolicyTrainer(plain, Options(false), padId: 0);
        using var checkpointedTrainer = new PolicyTrainer(checkpointed, Options(true), padId: 0);
        for (var i = 0; i < 2; i++)
        {
            plainTrainer.Update([LoraFixtures.Sample(plain, [20, 21, 22], +1), LoraFixtures.Sample(plain, [23, 24, 25], -1)]);
            checkpointedTrainer.Update([LoraFixtures.Sample(checkpointed, [20, 21, 22], +1), LoraFixtures.Sample(checkpointed, [23, 24, 25], -1)]);
        }
        Assert.Equal(ScalarType.BFloat16, checkpointed.DType);
        foreach (var (p, c) in plainAdapters.Parameters().Zip(checkpointedAdapters.Parameters()))
            Assert.True(p.allclose(c, rtol: 1e-4, atol: 1e-6), $"max diff {(p - c).abs().max().item<float>()}");
        Assert.Contains(checkpointedAdapters.Layers, l => l.Layer.B.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Validate_CheckpointingWithDropout_ErrorByPath()
    {
        var options = new TrainerOptions { ActivationCheckpointing = true, Model = new TransformerConfig { Dropout = 0.1 } };
        Assert.Contains(options.Validate(), e => e.StartsWith("$.trainer.activation_checkpointing: recomputing a block replays no dropout", StringComparison.Ordinal));
    }
}
