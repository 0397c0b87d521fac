using System.Diagnostics;
using Forge.Training.Lora;
using Forge.Training.Model;
using Forge.Training.Precision;
using Forge.Training.Rl;
using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Training.Benchmarks;

/// <summary>One way of training the same model: full or LoRA, fp32 or bf16, with or without activation checkpointing.</summary>
/// <param name="Name">Label for the report.</param>
/// <param name="Lora">Adapters to attach (null: every weight trains).</param>
/// <param name="Precision">Number format.</param>
/// <param name="Checkpointing">Activation checkpointing.</param>
public sealed record TrainerVariant(string Name, LoraOptions? Lora, TrainingPrecision Precision, bool Checkpointing)
{
    /// <summary>Full fp32 (the baseline, first), full bf16, LoRA r16 on all seven projections in fp32 and bf16, and both with checkpointing.</summary>
    public static IReadOnlyList<TrainerVariant> Defaults { get; } =
    [
        new("full fp32", null, TrainingPrecision.Fp32, false),
        new("full fp32 + ckpt", null, TrainingPrecision.Fp32, true),
        new("full bf16", null, TrainingPrecision.Bf16, false),
        new("lora r16 fp32", new LoraOptions(), TrainingPrecision.Fp32, false),
        new("lora r16 fp32 + ckpt", new LoraOptions(), TrainingPrecision.Fp32, true),
        new("lora r16 bf16", new LoraOptions(), TrainingPrecision.Bf16, false),
    ];
}

/// <summary>What one <see cref="TrainerVariant"/> cost.</summary>
/// <param name="Name">The variant.</param>
/// <param name="TrainableParameters">Parameters the optimizer steps.</param>
/// <param name="StateMegabytes">
/// Training state in MB, counted from the live tensors after a step: every weight (base and adapters, in their dtypes),
/// fp32 masters, the gradients held, and AdamW's two fp32 moments per trainable parameter. Activations are not included.
/// </param>
/// <param name="SecondsPerStep">Median seconds of one <see cref="PolicyTrainer.Update"/> on the batch.</param>
/// <param name="TokensPerSecond">Batch tokens / <paramref name="SecondsPerStep"/>.</param>
/// <param name="TimeRatio">Step time / the first (baseline) variant's.</param>
public sealed record TrainerVariantResult(string Name, long TrainableParameters, double StateMegabytes, double SecondsPerStep, double TokensPerSecond, double TimeRatio);

/// <summary>
/// <c>forge bench train</c>'s trainer variants: the RL trainer's step (<see cref="TrainerBenchmarkStep"/>) on one model size
/// and one batch, once per <see cref="TrainerVariant"/>, steps taken round-robin so that a busy machine slows all alike;
/// the first variant is the baseline the others are compared with.
/// </summary>
public static class TrainerVariantBenchmark
{
    /// <summary>Measures every variant (<paramref name="steps"/> timed steps each, after one warm-up step).</summary>
    public static IReadOnlyList<TrainerVariantResult> Run(BenchmarkSize size, Device device, int steps, long seed, IReadOnlyList<TrainerVariant>? variants = null)
    {
        variants ??= TrainerVariant.Defaults;
        using var data = new torch.Generator((ulong)seed);
        using var hostIds = randint(0, size.Config.VocabSize, [size.Batch, size.SequenceLength], dtype: ScalarType.Int64, generator: data);
        using var ids = hostIds.to(device);
        var runs = new List<(CausalTransformer Model, TrainerBenchmarkStep Step)>();
        try
        {
            foreach (var variant in variants)
            {
                var model = new CausalTransformer(size.Config, seed);
                model.to(device);
                if (variant.Lora is { } lora) LoraAdapters.Attach(model, lora, seed);
                var options = TrainerBenchmarkStep.DefaultOptions();
                options.Lora = variant.Lora;
                options.Precision = variant.Precision;
                options.ActivationCheckpointing = variant.Checkpointing;
                runs.Add((model, new TrainerBenchmarkStep(model, options)));
            }
            foreach (var (_, step) in runs) step.Run(ids);
            var times = runs.Select(_ => new List<double>()).ToList();
            for (var i = 0; i < steps; i++)
                for (var v = 0; v < runs.Count; v++)
                {
                    var clock = Stopwatch.StartNew();
                    runs[v].Step.Run(ids);
                    if (device.type == DeviceType.CUDA) cuda.synchronize();
                    times[v].Add(clock.Elapsed.TotalSeconds);
                }
            var tokens = (double)size.Batch * size.SequenceLength;
            var medians = times.Select(TrainingBenchmark.Median).ToList();
            return [.. variants.Select((variant, v) => new TrainerVariantResult(variant.Name, runs[v].Step.Trainer.TrainableParameters.Sum(p => p.numel()),
                StateBytes(runs[v].Model, runs[v].Step.Trainer) / 1e6, medians[v], tokens / medians[v], medians[v] / medians[0]))];
        }
        finally
        {
            foreach (var (model, step) in runs)
            {
                step.Dispose();
                LoraAdapters.Of(model)?.Dispose();
                model.Dispose();
            }
        }
    }

    private static long StateBytes(CausalTransformer model, PolicyTrainer trainer)
    {
        static long Bytes(Tensor? t) => t is null ? 0 : t.numel() * t.ElementSize;
        var weights = model.parameters().Concat(LoraAdapters.Of(model)?.Parameters() ?? []).ToList();
        var trainable = trainer.TrainableParameters;
        var masters = trainer.MasterWeights is null ? 0 : trainable.Sum(Bytes);
        var gradients = weights.Concat(masters > 0 ? trainable : []).Sum(p => Bytes(p.grad));
        var moments = 2L * 4 * trainable.Sum(p => p.numel());
        return weights.Sum(Bytes) + masters + gradients + moments;
    }
}
