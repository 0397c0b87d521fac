using Forge.Training.Model;
using static TorchSharp.torch;

namespace Forge.Training.Checkpoints;

/// <summary>
/// Copies weights from safetensors files (memory-mapped, tensor by tensor) or a name → tensor dictionary into a
/// <see cref="CausalTransformer"/>, converting dtypes to the model's. Strict: every model weight must be present
/// exactly once, no stored weight may be left over and every shape must match; all problems are reported
/// together in one <see cref="InvalidDataException"/> naming the source, the files and the tensors.
/// </summary>
public static class WeightLoader
{
    /// <summary>Loads <paramref name="path"/> into <paramref name="model"/>, renaming with <paramref name="names"/> (default identity).</summary>
    public static void LoadSafetensors(CausalTransformer model, string path, WeightNameMap? names = null)
    {
        using var file = MappedSafetensors.Open(path);
        LoadMapped(model, [file], names ?? WeightNameMap.Identity, path);
    }

    /// <summary>Copies <paramref name="tensors"/> into the model's parameters (same strict rules; <paramref name="source"/> names them in errors).</summary>
    public static void Load(CausalTransformer model, IReadOnlyDictionary<string, Tensor> tensors, WeightNameMap names, string source)
    {
        var stored = tensors.Select(kv => new StoredWeight(kv.Key, kv.Value.shape, kv.Value.dtype, null, null));
        var plan = Plan(model, stored, names, source, ourName => ourName);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        foreach (var (weight, parameter) in plan)
            parameter.copy_(tensors[weight.Name].to(parameter.dtype, parameter.device));
    }

    /// <summary>
    /// Loads the tensors of several files (e.g. the shards of one model). <paramref name="describe"/> turns a model
    /// weight's name into the name the files use, for "missing" messages.
    /// </summary>
    internal static void LoadMapped(CausalTransformer model, IReadOnlyList<MappedSafetensors> files, WeightNameMap names, string source, Func<string, string>? describe = null)
    {
        foreach (var (weight, parameter) in PlanMapped(model, files, names, source, describe))
            weight.File!.CopyInto(weight.Name, parameter);
    }

    /// <summary>Checks the files against the model's parameters (names, shapes, dtypes) without copying anything; throws as loading would.</summary>
    internal static void CheckMapped(CausalTransformer model, IReadOnlyList<MappedSafetensors> files, WeightNameMap names, string source, Func<string, string>? describe = null) =>
        PlanMapped(model, files, names, source, describe);

    private static List<(StoredWeight Weight, Tensor Parameter)> PlanMapped(
        CausalTransformer model, IReadOnlyList<MappedSafetensors> files, WeightNameMap names, string source, Func<string, string>? describe)
    {
        var stored = files.SelectMany(f => f.Tensors.Values.Select(e => new StoredWeight(e.Name, e.Shape, e.DType, f, files.Count > 1 ? Path.GetFileName(f.Path) : null)));
        return Plan(model, stored, names, source, describe ?? (n => n));
    }

    // A stored tensor; FileName is shown in messages when the weights span several files.
    private sealed record StoredWeight(string Name, long[] Shape, ScalarType DType, MappedSafetensors? File, string? FileName)
    {
        public string Label => FileName is null ? $"'{Name}'" : $"'{Name}' in {FileName}";
    }

    private static List<(StoredWeight Weight, Tensor Parameter)> Plan(
        CausalTransformer model, IEnumerable<StoredWeight> stored, WeightNameMap names, string source, Func<string, string> describe)
    {
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        var problems = new List<string>();
        var mapped = new Dictionary<string, StoredWeight>();
        foreach (var weight in stored)
        {
            var ours = names.Map(weight.Name);
            if (ours == "")
                continue;
            if (ours is null || !parameters.ContainsKey(ours))
                problems.Add($"{weight.Label} has no place in the model" + (ours is null ? "" : $" (mapped to '{ours}')"));
            else if (!is_floating_point(weight.DType))
                problems.Add($"{weight.Label} is {weight.DType}, not a floating-point tensor");
            else if (!mapped.TryAdd(ours, weight))
                problems.Add($"{weight.Label} maps to '{ours}', which {mapped[ours].Label} already filled");
        }
        foreach (var (name, parameter) in parameters)
        {
            if (!mapped.TryGetValue(name, out var weight))
                problems.Add($"model weight '{describe(name)}' is missing");
            else if (!weight.Shape.SequenceEqual(parameter.shape))
                problems.Add($"{weight.Label} has shape {Safetensors.FormatShape(weight.Shape)}, the model needs {Safetensors.FormatShape(parameter.shape)}");
        }
        if (problems.Count > 0)
            throw new InvalidDataException($"{source}: cannot load weights: {string.Join("; ", problems)}.");
        return [.. mapped.Select(kv => (kv.Value, parameters[kv.Key]))];
    }
}
