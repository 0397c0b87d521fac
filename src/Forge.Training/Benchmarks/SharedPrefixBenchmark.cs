using System.Diagnostics;
using Forge.Training.Generation;
using Forge.Training.Model;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using Generator = Forge.Training.Generation.Generator;

namespace Forge.Training.Benchmarks;

/// <summary>Options of <see cref="SharedPrefixBenchmark"/>. The defaults are shaped like game/vault turns on its trained policy.</summary>
public sealed record SharedPrefixBenchmarkOptions
{
    /// <summary>Device to run on.</summary>
    public required Device Device { get; init; }

    /// <summary>The model (default: train-vault's 2-layer, d=128 byte-level policy).</summary>
    public TransformerConfig Config { get; init; } = new() { VocabSize = 270, DModel = 128, Layers = 2, Heads = 4, MaxSeqLen = 384 };

    /// <summary>Tokens every prompt begins with (the system prompt and tool list).</summary>
    public int SharedTokens { get; init; } = 160;

    /// <summary>Each row's own tokens after it are drawn from [<see cref="OwnMin"/>, <see cref="OwnMax"/>].</summary>
    public int OwnMin { get; init; } = 20;

    /// <summary>See <see cref="OwnMin"/>.</summary>
    public int OwnMax { get; init; } = 60;

    /// <summary>Rows generated at once.</summary>
    public int GenerationRows { get; init; } = 32;

    /// <summary>Tokens generated per row (no stop token: every row generates them all).</summary>
    public int NewTokens { get; init; } = 16;

    /// <summary>Rows of a training step (a warm-start batch of 2,048 tokens holds about 9 such conversations).</summary>
    public int TrainingRows { get; init; } = 9;

    /// <summary>Timed repetitions of each measurement, after one untimed warm-up; the median is reported.</summary>
    public int Repeats { get; init; } = 5;

    /// <summary>Seed for weights and data.</summary>
    public long Seed { get; init; } = 1;
}

/// <summary>One measurement: the same work without the shared prefix (before) and with it (after), timed alternately.</summary>
/// <param name="Name">What was measured.</param>
/// <param name="Shape">The batch, e.g. "32 × (160 + 20–60) + 16".</param>
/// <param name="Tokens">The tokens a repetition counts (generated tokens, or the training batch's tokens).</param>
/// <param name="BeforeSeconds">Median seconds per repetition running every row's whole prompt.</param>
/// <param name="AfterSeconds">Median seconds per repetition running the shared prefix once.</param>
public sealed record SharedPrefixResult(string Name, string Shape, double Tokens, double BeforeSeconds, double AfterSeconds)
{
    /// <summary>Tokens per second before.</summary>
    public double BeforeTokensPerSecond => Tokens / BeforeSeconds;

    /// <summary>Tokens per second after.</summary>
    public double AfterTokensPerSecond => Tokens / AfterSeconds;

    /// <summary>Before time / after time.</summary>
    public double Speedup => BeforeSeconds / AfterSeconds;
}

/// <summary>
/// <c>forge bench prefix</c>: agent turns share a long prompt prefix (system prompt, tool list). Measures generation
/// (<see cref="Generator"/> with the whole prompt of every row prefilled, as before, against the shared prefix run once)
/// and a training step (forward, backward, AdamW through <c>forward</c> against
/// <see cref="CausalTransformer.ForwardSharedPrefix"/>) on the same batches, alternating, in one run.
/// </summary>
public sealed class SharedPrefixBenchmark(SharedPrefixBenchmarkOptions options)
{
    /// <summary>Runs both measurements.</summary>
    public IReadOnlyList<SharedPrefixResult> Run(Action<string>? progress = null)
    {
        var random = new Random((int)options.Seed);
        var shared = Enumerable.Range(0, options.SharedTokens).Select(_ => random.Next(options.Config.VocabSize)).ToArray();
        int[] Row() => [.. shared, .. Enumerable.Range(0, random.Next(options.OwnMin, options.OwnMax + 1)).Select(_ => random.Next(options.Config.VocabSize))];
        var generationRows = Enumerable.Range(0, options.GenerationRows).Select(_ => Row()).ToList();
        var trainingRows = Enumerable.Range(0, options.TrainingRows).Select(_ => Row()).ToList();
        var own = $"{options.SharedTokens} + {options.OwnMin}–{options.OwnMax}";

        progress?.Invoke("generation: whole prompts vs the shared prefix once");
        var generation = MeasureGeneration(generationRows);
        progress?.Invoke("training step: plain forward vs the shared prefix once");
        var training = MeasureTraining(trainingRows);
        return
        [
            generation with { Shape = $"{options.GenerationRows} × ({own}) + {options.NewTokens} new" },
            training with { Shape = $"{options.TrainingRows} × ({own})" },
        ];
    }

    private SharedPrefixResult MeasureGeneration(List<int[]> prompts)
    {
        using var model = new CausalTransformer(options.Config, options.Seed);
        model.to(options.Device);
        var requests = prompts.Select(p => new GenerationRequest(p)).ToList();
        var sampling = new SamplingOptions { Temperature = 1.0, MaxNewTokens = options.NewTokens, Seed = options.Seed };
        var every = options.Device.type == DeviceType.CPU ? 1 : Generator.StopCheckInterval;
        var (before, after) = TimeAlternating(
            () => Generator.Generate(model, requests, sampling, rng: null, every, sharePrefix: false),
            () => Generator.Generate(model, requests, sampling, rng: null, every, sharePrefix: true));
        return new SharedPrefixResult("generation (generated tokens/s)", "", (double)prompts.Count * options.NewTokens, before, after);
    }

    private SharedPrefixResult MeasureTraining(List<int[]> rows)
    {
        var width = rows.Max(r => r.Length);
        var host = new long[rows.Count * width];
        for (var i = 0; i < rows.Count; i++)
            for (var j = 0; j < rows[i].Length; j++) host[i * width + j] = rows[i][j];   // right-padded with 0
        using var ids = tensor(host, [rows.Count, width], device: options.Device);     // [B, T]
        using var plain = new CausalTransformer(options.Config, options.Seed);
        using var sharing = new CausalTransformer(options.Config, options.Seed);
        plain.to(options.Device).train();
        sharing.to(options.Device).train();
        using var plainOptimizer = optim.AdamW(plain.parameters(), lr: 1e-4);
        using var sharingOptimizer = optim.AdamW(sharing.parameters(), lr: 1e-4);
        var (before, after) = TimeAlternating(
            () => Step(plainOptimizer, ids, inputs => plain.call(inputs)),
            () => Step(sharingOptimizer, ids, inputs => sharing.ForwardSharedPrefix(inputs, options.SharedTokens)));
        return new SharedPrefixResult("training step (tokens/s)", "", (double)rows.Count * width, before, after);
    }

    private static void Step(TorchSharp.Modules.AdamW optimizer, Tensor ids, Func<Tensor, Tensor> logitsOf)
    {
        using var scope = NewDisposeScope();
        var t = ids.shape[1];
        var logits = logitsOf(ids.narrow(1, 0, t - 1));                                        // [B, T−1, V]
        var loss = F.cross_entropy(logits.reshape(-1, logits.shape[^1]), ids.narrow(1, 1, t - 1).reshape(-1));
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
    }

    /// <summary>Median seconds of each, after one warm-up each, alternating so that a busy machine slows both alike.</summary>
    private (double Before, double After) TimeAlternating(Action before, Action after)
    {
        before();
        after();
        Sync();
        var beforeTimes = new List<double>();
        var afterTimes = new List<double>();
        for (var i = 0; i < options.Repeats; i++)
        {
            beforeTimes.Add(Time(before));
            afterTimes.Add(Time(after));
        }
        return (TrainingBenchmark.Median(beforeTimes), TrainingBenchmark.Median(afterTimes));
    }

    private double Time(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        Sync();
        return clock.Elapsed.TotalSeconds;
    }

    private void Sync()
    {
        if (options.Device.type == DeviceType.CUDA) cuda.synchronize();
    }
}
