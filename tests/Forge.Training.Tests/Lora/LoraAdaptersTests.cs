using Forge.Training.Lora;
using Forge.Training.Model;
using static TorchSharp.torch;

namespace Forge.Training.Tests.Lora;

public sealed class LoraAdaptersTests
{
    [Fact]
    public void Attach_FreshAdapters_LogitsIdenticalToBase()
    {
        using var model = TinyModels.Create();
        using var before = LoraFixtures.Logits(model);
        using var adapters = LoraAdapters.Attach(model, LoraFixtures.Options(), seed: 3);
        using var after = LoraFixtures.Logits(model);
        Assert.True(TensorAssert.Same(before, after));
        Assert.All(adapters.Layers, l => Assert.NotEqual(0, l.Layer.A.abs().sum().item<float>()));   // A random, B zero
    }

    [Fact]
    public void Attach_AllTargets_OneAdapterPerProjectionWithPeftShapes()
    {
        using var model = TinyModels.Create();   // d=32, ff=64, 2 layers, SwiGLU
        using var adapters = LoraAdapters.Attach(model, LoraFixtures.Options(rank: 4), seed: 3);
        Assert.Equal(2 * 7, adapters.Layers.Count);
        var byName = adapters.Layers.ToDictionary(l => l.Module, l => l.Layer);
        Assert.Equal([4L, 32L], byName["blocks.1.attention.query"].A.shape);
        Assert.Equal([32L, 4L], byName["blocks.1.attention.query"].B.shape);
        Assert.Equal([4L, 64L], byName["blocks.0.mlp.down"].A.shape);
        Assert.Equal([32L, 4L], byName["blocks.0.mlp.down"].B.shape);
        Assert.Equal([64L, 4L], byName["blocks.0.mlp.up"].B.shape);
        Assert.Equal(2 * (4 * (4 * (32 + 32)) + 2 * 4 * (32 + 64) + 4 * (64 + 32)), adapters.ParameterCount);
        Assert.All(model.parameters(), p => Assert.False(p.requires_grad));
        Assert.All(adapters.Parameters(), p => Assert.True(p.requires_grad));
        var bound = 1 / Math.Sqrt(32);   // kaiming_uniform(a=√5) on [r, in] is U(−1/√in, 1/√in)
        Assert.True(byName["blocks.0.attention.key"].A.abs().max().item<float>() <= bound);
    }

    [Fact]
    public void Disable_PerturbedAdapters_LogitsExactlyBase()
    {
        using var model = TinyModels.Create();
        using var baseLogits = LoraFixtures.Logits(model);
        using var adapters = LoraAdapters.Attach(model, LoraFixtures.Options(), seed: 3);
        LoraFixtures.Perturb(adapters);
        using var adapted = LoraFixtures.Logits(model);
        Assert.False(TensorAssert.Same(baseLogits, adapted));
        using (adapters.Disable())
        {
            using var off = LoraFixtures.Logits(model);
            Assert.True(TensorAssert.Same(baseLogits, off));
        }
        using var onAgain = LoraFixtures.Logits(model);
        Assert.True(TensorAssert.Same(adapted, onAgain));
    }

    [Fact]
    public void Merge_PerturbedAdapters_PlainModelWithAdaptedLogits()
    {
        using var model = TinyModels.Create();
        var adapters = LoraAdapters.Attach(model, LoraFixtures.Options(), seed: 3);
        LoraFixtures.Perturb(adapters);
        using var adapted = LoraFixtures.Logits(model);
        adapters.Merge();
        Assert.Null(LoraAdapters.Of(model));
        using var merged = LoraFixtures.Logits(model);
        Assert.True(merged.allclose(adapted, rtol: 1e-4, atol: 1e-5), $"max diff {(merged - adapted).abs().max().item<float>()}");
        Assert.False(TensorAssert.Same(merged, LoraFixtures.Logits(TinyModels.Create())));   // the weights did change
    }

    [Fact]
    public void MergeInto_PlainCopy_AdaptedLogitsThereAndTheAdaptedModelUnchanged()
    {
        using var model = TinyModels.Create();
        var adapters = LoraAdapters.Attach(model, LoraFixtures.Options(), seed: 3);
        LoraFixtures.Perturb(adapters);
        using var adapted = LoraFixtures.Logits(model);
        using var plain = model.Clone();   // the base weights only
        using (var before = LoraFixtures.Logits(plain)) Assert.False(before.allclose(adapted, rtol: 1e-4, atol: 1e-5));

        adapters.MergeInto(plain);
        adapters.MergeInto(plain);   // again, as after every update: from the adapted model's weights, not added twice

        Assert.Null(LoraAdapters.Of(plain));
        using var merged = LoraFixtures.Logits(plain);
        Assert.True(merged.allclose(adapted, rtol: 1e-4, atol: 1e-5), $"max diff {(merged - adapted).abs().max().item<float>()}");
        Assert.Same(adapters, LoraAdapters.Of(model));
        using var still = LoraFixtures.Logits(model);
        Assert.True(TensorAssert.Same(still, adapted));
        Assert.Throws<ArgumentException>(() => adapters.MergeInto(model));
    }

    [Fact]
    public void Replica_SharesBaseStorage_OwnAdaptersFollowCopyFrom()
    {
        using var model = TinyModels.Create();
        using var adapters = LoraAdapters.Attach(model, LoraFixtures.Options(), seed: 3);
        using var replica = adapters.Replica();
        using (var a = LoraFixtures.Logits(model)) using (var b = LoraFixtures.Logits(replica.Model)) Assert.True(TensorAssert.Same(a, b));

        LoraFixtures.Perturb(adapters);
        using (var a = LoraFixtures.Logits(model)) using (var b = LoraFixtures.Logits(replica.Model)) Assert.False(TensorAssert.Same(a, b));
        replica.CopyFrom(adapters);
        using (var a = LoraFixtures.Logits(model)) using (var b = LoraFixtures.Logits(replica.Model)) Assert.True(TensorAssert.Same(a, b));

        using (no_grad()) model.named_parameters().Single(p => p.name == "norm.weight").parameter.mul_(2);   // in place, in the source only
        using (var a = LoraFixtures.Logits(model)) using (var b = LoraFixtures.Logits(replica.Model)) Assert.True(TensorAssert.Same(a, b));   // no copy of the base
        using (no_grad()) adapters.Layers[0].Layer.B.add_(1);
        using (var a = LoraFixtures.Logits(model)) using (var b = LoraFixtures.Logits(replica.Model)) Assert.False(TensorAssert.Same(a, b));   // own adapters
    }

    [Fact]
    public void Attach_GateOnGeluModel_ErrorNamesTarget()
    {
        using var model = TinyModels.Create(TinyModels.Config(mlp: MlpKind.Gelu));
        var e = Assert.Throws<ArgumentException>(() => LoraAdapters.Attach(model, new LoraOptions { Targets = ["q_proj", "gate_proj"] }));
        Assert.Contains("$.trainer.lora.targets[1]: the model has no 'gate_proj' projection", e.Message);
        Assert.Null(LoraAdapters.Of(model));
    }
}
