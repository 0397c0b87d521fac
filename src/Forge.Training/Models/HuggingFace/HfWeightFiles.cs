using System.Text.Json;
using System.Text.Json.Nodes;
using Forge.Training.Checkpoints;

namespace Forge.Training.Models.HuggingFace;

/// <summary>
/// The safetensors files of a model folder, memory-mapped: <c>model.safetensors</c>, or the shards listed in
/// <c>model.safetensors.index.json</c> (its <c>weight_map</c> checked against what each shard holds).
/// </summary>
internal sealed class HfWeightFiles : IDisposable
{
    public const string SingleFile = "model.safetensors";
    public const string IndexFile = "model.safetensors.index.json";

    private HfWeightFiles(IReadOnlyList<MappedSafetensors> files) => Files = files;

    public IReadOnlyList<MappedSafetensors> Files { get; }

    /// <summary>Every stored tensor with its file.</summary>
    public IEnumerable<(MappedSafetensors File, Safetensors.Entry Tensor)> Tensors =>
        Files.SelectMany(f => f.Tensors.Values.Select(t => (f, t)));

    public static HfWeightFiles Open(string directory)
    {
        var index = Path.Combine(directory, IndexFile);
        if (File.Exists(index))
            return OpenShards(directory, index);
        var single = Path.Combine(directory, SingleFile);
        if (File.Exists(single))
            return new HfWeightFiles([MappedSafetensors.Open(single)]);
        var hint = File.Exists(Path.Combine(directory, "pytorch_model.bin")) ? " (pytorch_model.bin is not read: convert it to safetensors)" : "";
        throw new FileNotFoundException($"{directory}: no {SingleFile} or {IndexFile}{hint}.", single);
    }

    private static HfWeightFiles OpenShards(string directory, string index)
    {
        JsonObject weightMap;
        try
        {
            weightMap = JsonNode.Parse(File.ReadAllText(index))?["weight_map"] as JsonObject
                ?? throw new InvalidDataException($"{index}: $.weight_map: missing; expected {{\"tensor name\": \"shard file\"}}.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{index}: not valid JSON: {e.Message}", e);
        }
        var fileOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, node) in weightMap)
            fileOf[name] = node is JsonValue v && v.TryGetValue<string>(out var f) && f == Path.GetFileName(f)
                ? f
                : throw new InvalidDataException($"{index}: $.weight_map['{name}']: expected a file name in the folder.");

        var files = new List<MappedSafetensors>();
        try
        {
            foreach (var shard in fileOf.Values.Distinct().Order(StringComparer.Ordinal))
            {
                var path = Path.Combine(directory, shard);
                if (!File.Exists(path))
                    throw new InvalidDataException($"{index}: shard '{shard}' is listed but not in the folder.");
                files.Add(MappedSafetensors.Open(path));
            }
            var problems = new List<string>();
            foreach (var file in files)
                foreach (var name in file.Tensors.Keys)
                    if (!fileOf.TryGetValue(name, out var listed))
                        problems.Add($"'{name}' is in {Path.GetFileName(file.Path)} but not in the weight_map");
                    else if (listed != Path.GetFileName(file.Path))
                        problems.Add($"'{name}' is in {Path.GetFileName(file.Path)}, the weight_map says {listed}");
            foreach (var (name, shard) in fileOf)
                if (!files.First(f => Path.GetFileName(f.Path) == shard).Tensors.ContainsKey(name))
                    problems.Add($"'{name}' is listed in {shard}, which does not hold it");
            if (problems.Count > 0)
                throw new InvalidDataException($"{index}: the index does not match the shards: {string.Join("; ", problems)}.");
            return new HfWeightFiles(files);
        }
        catch
        {
            foreach (var file in files)
                file.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var file in Files)
            file.Dispose();
    }
}
