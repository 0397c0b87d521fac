using System.Diagnostics;
using Forge.Training.Generation;
using Forge.Training.Model;
using TorchSharp;
using static TorchSharp.torch;
using Generator = Forge.Training.Generation.Generator;

namespace Forge.Training.Benchmarks;

/// <summary>A model size to benchmark and the batch shapes used with it.</summary>
/// <param name="Name">Label, e.g. "1M".</param>
/// <param name="Config">Model shape.</param>
/// <param name="Batch">Training rows per step.</param>
/// <param name="SequenceLength">Training tokens per row.</param>
/// <param name="GenerationBatch">Rows generated at once.</param>
/// <param name="PromptLength">Prompt tokens per generated row.</param>
/// <param name="NewTokens">Tokens generated per row.</param>
public sealed record BenchmarkSize(string Name, TransformerConfig Config, int Batch, int SequenceLength, int GenerationBatch, int PromptLength, int NewTokens);

/// <summary>Options of <see cref="TrainingBenchmark"/>.</summary>
public sealed record TrainingBenchmarkOptions
{
    /// <summary>Device to run on.</summary>
    public required Device Device { get; init; }

    /// <summary>Sizes to measure (default: <see cref="TrainingBenchmark.DefaultSizes"/>).</summary>
    public IReadOnlyList<BenchmarkSize>? Sizes { get; init; }

    /// <summary>Timed training steps of each kind per size (after one untimed warm-up step each); the median is reported.</summary>
    public int Steps { get; init; } = 5;

    /// <summary>Timed generation batches per measurement (after one untimed warm-up).</summary>
    public int GenerationRuns { get; init; } = 2;

    /// <summary>The step compared against the bare loop; null = Forge's own policy-gradient step (<see cref="PolicyGradientStep"/>).</summary>
    public BenchmarkStepFactory? PipelineStep { get; init; }

    /// <summary>Seed for weights and data.</summary>
    public long Seed { get; init; } = 1;
}

/// <summary>Training and generation throughput of one model size, measured side by side.</summary>
public sealed record SizeResult
{
    public required string Name { get; init; }
    public required long Parameters { get; init; }
    public required int Batch { get; init; }
    public required int SequenceLength { get; init; }
    public required double BareTrainTokensPerSecond { get; init; }
    public required double PipelineTrainTokensPerSecond { get; init; }
    public required string PipelineDescription { get; init; }

    /// <summary>Pipeline step time / bare step time for the same tokens (1.0 = no overhead).</summary>
    public double PipelineOverheadRatio => BareTrainTokensPerSecond / PipelineTrainTokensPerSecond;

    public required int GenerationBatch { get; init; }
    public required int PromptLength { get; init; }
    public required int NewTokens { get; init; }
    public required double GenerationTokensPerSecond { get; init; }
    public required double UncachedGenerationTokensPerSecond { get; init; }

    /// <summary>Achieved training TFLOP/s of the bare loop, estimated as 6·N·tokens/s (CUDA only).</summary>
    public double? BareTrainTflops { get; init; }

    /// <summary>Achieved training TFLOP/s of the pipeline step (CUDA only).</summary>
    public double? PipelineTrainTflops { get; init; }
}

/// <summary>
/// <c>forge bench train</c>'s measurements: for each size, training tokens/s of the bare TorchSharp loop and of
/// the pipeline step on identical batches, and generation tokens/s with the KV cache against recomputing the
/// whole prefix every token (the no-cache baseline).
/// </summary>
public sealed class TrainingBenchmark(TrainingBenchmarkOptions options)
{
    /// <summary>~1M and ~10M parameter byte-vocabulary models; batch shapes suited to a CPU (larger on CUDA).</summary>
    public static IReadOnlyList<BenchmarkSize> DefaultSizes(bool cuda)
    {
        var small = new TransformerConfig { VocabSize = 262, DModel = 128, Layers = 4, Heads = 4, FfMult = 4, MaxSeqLen = 512 };
        var medium = new TransformerConfig { VocabSize = 262, DModel = 320, Layers = 6, Heads = 5, FfMult = 4, MaxSeqLen = 512 };
        return cuda
            ? [new("1M", small, 64, 256, 64, 64, 128), new("10M", medium, 32, 256, 64, 64, 128)]
            : [new("1M", small, 8, 128, 8, 32, 64), new("10M", medium, 4, 128, 8, 32, 32)];
    }

    /// <summary>Runs every size; <paramref name="progress"/> gets a line as each measurement starts.</summary>
    public IReadOnlyList<SizeResult> Run(Action<string>? progress = null)
    {
        var cuda = options.Device.type == DeviceType.CUDA;
        var results = new List<SizeResult>();
        foreach (var size in options.Sizes ?? DefaultSizes(cuda))
            results.Add(Measure(size, cuda, progress ?? (_ => { })));
        return results;
    }

    private SizeResult Measure(BenchmarkSize size, bool cuda, Action<string> progress)
    {
        var tokens = (double)size.Batch * size.SequenceLength;
        using var data = new torch.Generator((ulong)options.Seed);
        using var hostIds = randint(0, size.Config.VocabSize, [size.Batch, size.SequenceLength], dtype: ScalarType.Int64, generator: data);
        using var ids = hostIds.to(options.Device);

        progress($"{size.Name}: training steps, bare loop and pipeline alternating");
        double bareSeconds, pipelineSeconds;
        string description;
        using (var bareModel = NewModel(size))
        using (var pipelineModel = NewModel(size))
        using (var bare = new BareTrainingStep(bareModel))
        using (var pipeline = options.PipelineStep?.Invoke(pipelineModel) ?? new PolicyGradientStep(pipelineModel))
        {
            description = pipeline.Description;
            (bareSeconds, pipelineSeconds) = TimeAlternating(bare, pipeline, ids);
        }

        progress($"{size.Name}: generation (KV cache, then recompute baseline)");
        double cachedSeconds, uncachedSeconds;
        using (var model = NewModel(size))
        {
            cachedSeconds = TimeGeneration(model, size);
            uncachedSeconds = TimeUncachedGeneration(model, size);
        }

        var parameters = size.Config.ParameterCount;
        var generated = (double)size.GenerationBatch * size.NewTokens;
        return new SizeResult
        {
            Name = size.Name,
            Parameters = parameters,
            Batch = size.Batch,
            SequenceLength = size.SequenceLength,
            BareTrainTokensPerSecond = tokens / bareSeconds,
            PipelineTrainTokensPerSecond = tokens / pipelineSeconds,
            PipelineDescription = description,
            GenerationBatch = size.GenerationBatch,
            PromptLength = size.PromptLength,
            NewTokens = size.NewTokens,
            GenerationTokensPerSecond = generated / cachedSeconds,
            UncachedGenerationTokensPerSecond = generated / uncachedSeconds,
            BareTrainTflops = cuda ? 6.0 * parameters * tokens / bareSeconds / 1e12 : null,
            PipelineTrainTflops = cuda ? 6.0 * parameters * tokens / pipelineSeconds / 1e12 : null,
        };
    }

    private CausalTransformer NewModel(BenchmarkSize size)
    {
        var model = new CausalTransformer(size.Config, options.Seed);
        model.to(options.Device);
        model.train();
        return model;
    }

    /// <summary>
    /// Median seconds per step of each, after one warm-up step each. The two alternate step by step so that a busy
    /// machine slows both alike.
    /// </summary>
    private (double Bare, double Pipeline) TimeAlternating(IBenchmarkStep bare, IBenchmarkStep pipeline, Tensor ids)
    {
        bare.Run(ids);
        pipeline.Run(ids);
        Sync();
        var bareTimes = new List<double>();
        var pipelineTimes = new List<double>();
        for (var i = 0; i < options.Steps; i++)
        {
            bareTimes.Add(Time(() => bare.Run(ids)));
            pipelineTimes.Add(Time(() => pipeline.Run(ids)));
        }
        return (Median(bareTimes), Median(pipelineTimes));
    }

    private double Time(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        Sync();
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>The median of <paramref name="values"/> (sorts them).</summary>
    internal static double Median(List<double> values)
    {
        values.Sort();
        var mid = values.Count / 2;
        return values.Count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    private double TimeGeneration(CausalTransformer model, BenchmarkSize size)
    {
        var requests = Prompts(size).Select(p => new GenerationRequest(p, MaxNewTokens: size.NewTokens)).ToList();
        var sampling = new SamplingOptions { Temperature = 1.0, MaxNewTokens = size.NewTokens, Seed = options.Seed };
        Generator.Generate(model, requests, sampling);
        Sync();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < options.GenerationRuns; i++)
            Generator.Generate(model, requests, sampling);
        Sync();
        return clock.Elapsed.TotalSeconds / options.GenerationRuns;
    }

    /// <summary>The no-cache baseline: every new token re-runs the model over the whole sequence so far.</summary>
    private double TimeUncachedGeneration(CausalTransformer model, BenchmarkSize size)
    {
        model.eval();
        using var noGrad = no_grad();
        var prompts = Prompts(size);
        var clock = Stopwatch.StartNew();
        using var rng = new torch.Generator((ulong)options.Seed, options.Device);
        var sequence = tensor(prompts.SelectMany(p => p.Select(x => (long)x)).ToArray(), [size.GenerationBatch, size.PromptLength], device: options.Device);
        for (var i = 0; i < size.NewTokens; i++)
        {
            using var scope = NewDisposeScope();
            var logits = model.call(sequence).select(1, -1);                      // [B, V]
            var next = Sampling.Sample(logits, 1.0, 1.0, rng);                     // [B]
            var longer = cat([sequence, next.unsqueeze(1)], 1).MoveToOuterDisposeScope();
            sequence.Dispose();
            sequence = longer;
        }
        Sync();
        sequence.Dispose();
        return clock.Elapsed.TotalSeconds;
    }

    private List<int[]> Prompts(BenchmarkSize size)
    {
        var random = new Random((int)options.Seed);
        return [.. Enumerable.Range(0, size.GenerationBatch).Select(_ => Enumerable.Range(0, size.PromptLength).Select(_ => random.Next(size.Config.VocabSize)).ToArray())];
    }

    private void Sync()
    {
        if (options.Device.type == DeviceType.CUDA)
            cuda.synchronize();
    }
}
