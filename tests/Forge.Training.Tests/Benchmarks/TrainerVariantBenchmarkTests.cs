using Forge.Training.Benchmarks;
using Forge.Training.Lora;
using Forge.Training.Precision;
using TorchSharp;

namespace Forge.Training.Tests.Benchmarks;

public sealed class TrainerVariantBenchmarkTests
{
    private static readonly BenchmarkSize Tiny = new("tiny", TinyModels.Config(), Batch: 2, SequenceLength: 16, GenerationBatch: 2, PromptLength: 4, NewTokens: 4);

    [Fact]
    public void Run_Defaults_CountsTrainableParametersAndStateFromTheTensors()
    {
        var results = TrainerVariantBenchmark.Run(Tiny, torch.CPU, steps: 1, seed: 1);
        Assert.Equal(TrainerVariant.Defaults.Select(v => v.Name), results.Select(r => r.Name));
        var n = Tiny.Config.ParameterCount;
        var byName = results.ToDictionary(r => r.Name);
        Assert.Equal(n, byName["full fp32"].TrainableParameters);
        Assert.Equal(16.0 * n / 1e6, byName["full fp32"].StateMegabytes, 9);   // fp32 weights + grads + two AdamW moments
        Assert.Equal(1.0, byName["full fp32"].TimeRatio);

        using var model = TinyModels.Create();
        using var adapters = LoraAdapters.Attach(model, new LoraOptions(), seed: 1);
        var l = adapters.ParameterCount;
        Assert.Equal(l, byName["lora r16 fp32"].TrainableParameters);
        Assert.Equal((4.0 * n + 16.0 * l) / 1e6, byName["lora r16 fp32"].StateMegabytes, 9);   // frozen fp32 base, nothing else for it
        Assert.Equal((2.0 * n + 16.0 * l) / 1e6, byName["lora r16 bf16"].StateMegabytes, 9);   // bf16 base, fp32 adapters
        Assert.Equal((2.0 * n + 4.0 * n + 2.0 * n + 4.0 * n + 8.0 * n) / 1e6, byName["full bf16"].StateMegabytes, 9);   // bf16 weights and grads, fp32 masters, grads and moments
        Assert.All(results, r => Assert.True(double.IsFinite(r.SecondsPerStep) && r.SecondsPerStep > 0 && r.TokensPerSecond > 0, r.Name));
    }
}
