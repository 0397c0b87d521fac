using Forge.Training.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Forge.Training.Precision;

/// <summary>
/// fp32 master copies of a low-precision model's parameters (mixed-precision training). The optimizer steps the
/// masters; after each step the model's bf16 weights are refreshed from them, so that updates smaller than bf16's
/// resolution still accumulate. Gradients move from the model (bf16) to the masters (fp32) after every backward pass.
/// </summary>
internal sealed class MasterWeights : IDisposable
{
    private readonly List<(string Name, Parameter Master)> _masters;
    private readonly CausalTransformer _model;

    /// <summary>Copies <paramref name="model"/>'s weights as fp32 masters (exact when they are fp32), then casts the model to <paramref name="dtype"/>.</summary>
    public MasterWeights(CausalTransformer model, ScalarType dtype)
    {
        _model = model;
        using (no_grad())
            _masters = [.. model.named_parameters().Select(p => (p.name, new Parameter(p.parameter.detach().to_type(ScalarType.Float32).clone())))];
        model.to(dtype);
    }

    /// <summary>The fp32 masters, in the model's parameter order: what the optimizer steps.</summary>
    public IReadOnlyList<Parameter> Parameters => [.. _masters.Select(m => m.Master)];

    /// <summary>The masters by the model's parameter names (what a checkpoint saves).</summary>
    public IReadOnlyDictionary<string, Tensor> StateDict() => _masters.ToDictionary(m => m.Name, m => (Tensor)m.Master);

    /// <summary>
    /// Moves the model's gradients (bf16, from one backward pass) into the masters' (fp32) and zeroes the model's, so that
    /// gradients accumulate over micro-batches in fp32. Call after each backward pass; the optimizer's <c>zero_grad</c>
    /// clears the masters'.
    /// </summary>
    public void GradientsFromModel()
    {
        var model = _model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, master) in _masters)
            if (model[name].grad is { } grad)
            {
                master.backward([grad.to_type(ScalarType.Float32)]);   // a leaf's backward accumulates into its .grad
                using var noGrad = no_grad();
                grad.zero_();
            }
    }

    /// <summary>Writes the masters into the model's weights (rounded to its dtype).</summary>
    public void ToModel()
    {
        var model = _model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using var noGrad = no_grad();
        foreach (var (name, master) in _masters)
            model[name].copy_(master);
    }

    public void Dispose()
    {
        foreach (var (_, master) in _masters) master.Dispose();
    }
}
