using Forge.Training.Model;
using static TorchSharp.torch;

namespace Forge.Training.Checkpoints;

/// <summary>Copies weights from a safetensors file (or a name → tensor dictionary) into a <see cref="CausalTransformer"/>.</summary>
public static class WeightLoader
{
    /// <summary>
    /// Loads <paramref name="path"/> into <paramref name="model"/>, renaming with <paramref name="names"/> (default
    /// identity) and converting dtypes to the model's. Strict: every model weight must be present and no file
    /// weight may be left over; all problems are reported together in one <see cref="InvalidDataException"/>.
    /// </summary>
    public static void LoadSafetensors(CausalTransformer model, string path, WeightNameMap? names = null)
    {
        var tensors = Safetensors.Read(path);
        try
        {
            Load(model, tensors, names ?? WeightNameMap.Identity, path);
        }
        finally
        {
            foreach (var t in tensors.Values)
                t.Dispose();
        }
    }

    /// <summary>Copies <paramref name="tensors"/> into the model's parameters (same strict rules; <paramref name="source"/> names them in errors).</summary>
    public static void Load(CausalTransformer model, IReadOnlyDictionary<string, Tensor> tensors, WeightNameMap names, string source)
    {
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var problems = new List<string>();
        var mapped = new Dictionary<string, Tensor>();
        foreach (var (name, tensor) in tensors)
        {
            var ours = names.Map(name);
            if (ours == "")
                continue;
            if (ours is null || !parameters.ContainsKey(ours))
                problems.Add($"'{name}' has no place in the model" + (ours is null ? "" : $" (mapped to '{ours}')"));
            else if (!mapped.TryAdd(ours, tensor))
                problems.Add($"'{name}' maps to '{ours}', which another weight already filled");
        }
        foreach (var (name, parameter) in parameters)
        {
            if (!mapped.TryGetValue(name, out var tensor))
                problems.Add($"model weight '{name}' is missing");
            else if (!tensor.shape.SequenceEqual(parameter.shape))
                problems.Add($"'{name}' has shape [{string.Join(", ", tensor.shape)}], the model needs [{string.Join(", ", parameter.shape)}]");
        }
        if (problems.Count > 0)
            throw new InvalidDataException($"{source}: cannot load weights: {string.Join("; ", problems)}.");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        foreach (var (name, tensor) in mapped)
        {
            var parameter = parameters[name];
            parameter.copy_(tensor.to(parameter.dtype, parameter.device));
        }
    }
}
