using Forge.Training.Benchmarks;
using Forge.Training.Model;
using static TorchSharp.torch;

namespace Forge.Training.Rl;

/// <summary>
/// <c>forge bench train</c>'s "pipeline" step done by the real <see cref="PolicyTrainer"/>: the batch becomes training samples
/// (the first quarter of each row is context, the rest policy tokens, advantages ±1) and goes through
/// <see cref="PolicyTrainer.Update"/> — host-side batching, micro-batch planning, tensors, clipped loss, metrics, AdamW.
/// The recorded log-probs are zeros: their values change the ratios, not the work.
/// </summary>
public sealed class TrainerBenchmarkStep(CausalTransformer model, TrainerOptions? options = null) : IBenchmarkStep
{
    private readonly PolicyTrainer _trainer = new(model, options ?? DefaultOptions(), padId: 0);

    /// <summary>The trainer's options when none are given: no warm-up, lr 1e-4, the whole batch in one micro-batch.</summary>
    public static TrainerOptions DefaultOptions() => new() { WarmupUpdates = 0, LearningRate = 1e-4, MicroBatchTokens = int.MaxValue };

    /// <summary>The trainer the step runs.</summary>
    public PolicyTrainer Trainer => _trainer;

    /// <summary>Builds the step for the benchmark's extension point.</summary>
    public static BenchmarkStepFactory Factory { get; } = m => new TrainerBenchmarkStep(m);

    /// <inheritdoc />
    public string Description => "Forge RL trainer: PolicyTrainer.Update on encoded samples (masks, clipped loss, metrics, grad clip, AdamW)";

    /// <inheritdoc />
    public void Run(Tensor ids)
    {
        long b = ids.shape[0], t = ids.shape[1];
        var host = ids.cpu().data<long>().ToArray();
        var samples = new List<TrainingSample>((int)b);
        for (var i = 0; i < b; i++)
        {
            var row = host.AsSpan((int)(i * t), (int)t).ToArray().Select(x => (int)x).ToArray();
            var mask = row.Select((_, j) => j >= t / 4).ToArray();
            samples.Add(new TrainingSample(new EncodedConversation(row, mask, new float[t], true), i % 2 == 0 ? 1 : -1));
        }
        _trainer.Update(samples);
    }

    /// <inheritdoc />
    public void Dispose() => _trainer.Dispose();
}
