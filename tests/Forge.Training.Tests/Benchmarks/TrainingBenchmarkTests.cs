using Forge.Training.Benchmarks;
using Forge.Training.Model;
using TorchSharp;

namespace Forge.Training.Tests.Benchmarks;

public sealed class TrainingBenchmarkTests
{
    private static readonly BenchmarkSize Tiny = new("tiny", TinyModels.Config(), Batch: 2, SequenceLength: 16, GenerationBatch: 2, PromptLength: 4, NewTokens: 4);

    [Fact]
    public void Run_TinySize_ReportsPositiveThroughputForEveryRow()
    {
        var result = new TrainingBenchmark(new TrainingBenchmarkOptions { Device = torch.CPU, Sizes = [Tiny], Steps = 1, GenerationRuns = 1 }).Run().Single();
        Assert.Equal(Tiny.Config.ParameterCount, result.Parameters);
        foreach (var value in new[] { result.BareTrainTokensPerSecond, result.PipelineTrainTokensPerSecond, result.GenerationTokensPerSecond, result.UncachedGenerationTokensPerSecond, result.PipelineOverheadRatio })
            Assert.True(double.IsFinite(value) && value > 0, $"{value}");
        Assert.Null(result.BareTrainTflops); // CPU: no TFLOP/s estimate
        Assert.Contains("Forge policy-gradient", result.PipelineDescription);
    }

    [Fact]
    public void Run_PipelineStepFactory_IsUsedAndDisposed()
    {
        var step = new CountingStep();
        new TrainingBenchmark(new TrainingBenchmarkOptions { Device = torch.CPU, Sizes = [Tiny], Steps = 3, GenerationRuns = 1, PipelineStep = _ => step }).Run();
        Assert.Equal(4, step.Runs); // one warm-up + three timed
        Assert.True(step.Disposed);
    }

    [Fact]
    public void PolicyGradientStep_ChangesWeights()
    {
        using var model = TinyModels.Create();
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        using var step = new PolicyGradientStep(model);
        using var ids = torch.randint(0, 40, [2, 9], dtype: torch.int64);
        step.Run(ids);
        Assert.Contains(model.state_dict(), kv => !TensorAssert.Same(kv.Value, before[kv.Key]));
    }

    private sealed class CountingStep : IBenchmarkStep
    {
        public int Runs;
        public bool Disposed;
        public string Description => "counting";
        public void Run(torch.Tensor ids) => Runs++;
        public void Dispose() => Disposed = true;
    }
}
