using System.Text.Json;
using System.Text.Json.Nodes;
using Forge.Training.Checkpoints;
using Forge.Training.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Training.Models.HuggingFace;

/// <summary>A model loaded from a Hugging Face folder and its description. Dispose to free the model.</summary>
/// <param name="Model">The model, in the load dtype on the load device.</param>
/// <param name="Info">What the folder describes (architecture, config to write back, token ids, context length).</param>
public sealed record HfModel(CausalTransformer Model, HfModelInfo Info) : IDisposable
{
    /// <inheritdoc/>
    public void Dispose() => Model.Dispose();
}

/// <summary>
/// Loads a Hugging Face model folder (<c>config.json</c>; <c>model.safetensors</c> or shards with
/// <c>model.safetensors.index.json</c>; optional <c>generation_config.json</c>) of the Llama, Qwen2, Qwen3 or
/// Mistral architecture into a <see cref="CausalTransformer"/>. Weights are memory-mapped and copied tensor by
/// tensor into parameters allocated in the load dtype, so no second full copy is held in memory.
/// </summary>
public static class HfModelLoader
{
    /// <summary>The config file of a model folder.</summary>
    public const string ConfigFile = "config.json";

    /// <summary>The generation defaults file of a model folder.</summary>
    public const string GenerationConfigFile = "generation_config.json";

    /// <summary>True when <paramref name="directory"/> looks like a Hugging Face model folder (has config.json).</summary>
    public static bool IsModelFolder(string directory) => File.Exists(Path.Combine(directory, ConfigFile));

    /// <summary>Reads the folder's description (no weights). Malformed JSON throws; refusals are listed in <see cref="HfModelInfo.Problems"/>.</summary>
    public static HfModelInfo ReadInfo(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new DirectoryNotFoundException($"{directory}: model folder not found.");
        var configPath = Path.Combine(directory, ConfigFile);
        if (!File.Exists(configPath))
            throw new FileNotFoundException($"{directory}: not a Hugging Face model folder (no {ConfigFile}).", configPath);
        var config = ReadObject(configPath)!;
        var generation = ReadObject(Path.Combine(directory, GenerationConfigFile));
        var reading = HfConfigReader.Read(config);
        int? Id(JsonObject? o, string key) => o?[key] is JsonValue v && v.TryGetValue<int>(out var i) ? i : null;
        IReadOnlyList<int> Ids(JsonObject? o) => o?["eos_token_id"] switch
        {
            JsonValue v when v.TryGetValue<int>(out var i) => [i],
            JsonArray a => [.. a.OfType<JsonValue>().Select(x => x.TryGetValue<int>(out var i) ? i : -1).Where(i => i >= 0)],
            _ => [],
        };
        var eos = Ids(generation);
        return new HfModelInfo
        {
            Directory = directory,
            Architecture = reading.Architecture?.Name,
            Config = config,
            GenerationConfig = generation,
            ModelConfig = reading.ModelConfig,
            TorchDType = reading.TorchDType,
            BosTokenId = Id(generation, "bos_token_id") ?? Id(config, "bos_token_id"),
            EosTokenIds = eos.Count > 0 ? eos : Ids(config),
            PadTokenId = Id(generation, "pad_token_id") ?? Id(config, "pad_token_id"),
            Notes = reading.Notes,
            Problems = reading.Problems,
            TokenizerFiles = HfTokenizerFiles.Present(directory),
            HasChatTemplate = HfTokenizerFiles.HasChatTemplate(directory),
        };
    }

    /// <summary>
    /// Loads the model in <paramref name="dtype"/> (default: the config's <c>torch_dtype</c>, else float32) on
    /// <paramref name="device"/> (default CPU). A refused config field, an unknown architecture, or a missing,
    /// unexpected or ill-shaped tensor throws one <see cref="InvalidDataException"/> naming the file and tensors.
    /// </summary>
    public static HfModel Load(string directory, ScalarType? dtype = null, Device? device = null)
    {
        var info = ReadInfo(directory);
        info.ThrowIfUnloadable();
        var config = info.ModelConfig!;
        if (dtype is null && info.TorchDType is not null && info.StoredScalarType is null)
            throw new InvalidDataException($"{Path.Combine(directory, ConfigFile)}: $.torch_dtype: '{info.TorchDType}' is not float32, float16 or bfloat16; choose the load dtype explicitly.");
        var loadType = dtype ?? info.StoredScalarType ?? ScalarType.Float32;
        using var weights = HfWeightFiles.Open(directory);
        var model = CausalTransformer.ForLoading(config, loadType, device ?? CPU);
        try
        {
            WeightLoader.LoadMapped(model, weights.Files, NamesFor(config), directory, HuggingFaceName);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return new HfModel(model, info);
    }

    /// <summary>
    /// Checks that the folder's tensors fit the model its config describes (names, shapes, float dtypes) without
    /// allocating or reading any weights (the model is built on the meta device); throws as <see cref="Load"/> would.
    /// </summary>
    internal static void CheckWeights(string directory, HfModelInfo info, HfWeightFiles weights)
    {
        info.ThrowIfUnloadable();
        using var shape = CausalTransformer.ForLoading(info.ModelConfig!, ScalarType.Float32, new Device(DeviceType.META));
        WeightLoader.CheckMapped(shape, weights.Files, NamesFor(info.ModelConfig!), directory, HuggingFaceName);
    }

    // A tied model's file may still carry lm_head.weight; the reference implementation ties it away too.
    private static WeightNameMap NamesFor(TransformerConfig config) =>
        config.TieEmbeddings ? WeightNameMap.HuggingFace.Ignoring(@"lm_head\.weight") : WeightNameMap.HuggingFace;

    private static string HuggingFaceName(string ours) => WeightNameMap.ToHuggingFace.Map(ours) ?? ours;

    private static JsonObject? ReadObject(string path)
    {
        if (!File.Exists(path))
            return null;
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new InvalidDataException($"{path}: $: expected a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON: {e.Message}", e);
        }
    }
}
