using Forge.Training.Model;
using static TorchSharp.torch;

namespace Forge.Training.Benchmarks;

/// <summary>
/// One training update to time against the bare TorchSharp loop: given the model and a batch of token ids
/// [B, T] (on the model's device), do a full optimizer update on those B·T tokens. Built once per model size.
/// </summary>
public interface IBenchmarkStep : IDisposable
{
    /// <summary>What the step does, for the report (e.g. "GRPO trainer step").</summary>
    string Description { get; }

    /// <summary>One update over <paramref name="ids"/> [B, T].</summary>
    void Run(Tensor ids);
}

/// <summary>Builds the pipeline step for a model (the trainer plugs its own step in here).</summary>
public delegate IBenchmarkStep BenchmarkStepFactory(CausalTransformer model);
