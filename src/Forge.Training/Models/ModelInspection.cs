using System.Text.Json.Serialization;
using Forge.Training.Checkpoints;
using Forge.Training.Model;
using Forge.Training.Models.HuggingFace;

namespace Forge.Training.Models;

/// <summary>What <c>forge model inspect</c> reports about a model folder, read from its files without loading the weights.</summary>
public sealed record ModelInspection
{
    /// <summary>"huggingface" or "forge-checkpoint".</summary>
    [JsonPropertyName("kind")] public required string Kind { get; init; }

    /// <summary>The folder.</summary>
    [JsonPropertyName("directory")] public required string Directory { get; init; }

    /// <summary>The architecture (Hugging Face name; Forge checkpoints: the one they export as, or "forge").</summary>
    [JsonPropertyName("architecture")] public string? Architecture { get; init; }

    /// <summary>True when Forge can load it.</summary>
    [JsonPropertyName("loadable")] public bool Loadable { get; init; }

    /// <summary>Parameters of the model the config describes.</summary>
    [JsonPropertyName("parameters")] public long? Parameters { get; init; }

    /// <summary>Elements stored in the weight files (all tensors).</summary>
    [JsonPropertyName("stored_elements")] public long StoredElements { get; init; }

    /// <summary>Stored tensors per dtype (e.g. {"BF16": 310}).</summary>
    [JsonPropertyName("stored_dtypes")] public IReadOnlyDictionary<string, int> StoredDTypes { get; init; } = new Dictionary<string, int>();

    /// <summary>The dtype the config names (torch_dtype).</summary>
    [JsonPropertyName("torch_dtype")] public string? TorchDType { get; init; }

    /// <summary>Weight files.</summary>
    [JsonPropertyName("weight_files")] public IReadOnlyList<string> WeightFiles { get; init; } = [];

    /// <summary>Context length (max_position_embeddings / max_seq_len).</summary>
    [JsonPropertyName("context_length")] public int? ContextLength { get; init; }

    /// <summary>The model shape Forge builds.</summary>
    [JsonPropertyName("config")] public TransformerConfig? Config { get; init; }

    /// <summary>Size of one attention head.</summary>
    [JsonPropertyName("head_dim")] public int? HeadDim => Config?.HeadDim;

    /// <summary>Key/value heads.</summary>
    [JsonPropertyName("kv_heads")] public int? KvHeads => Config?.KvHeadCount;

    /// <summary>Beginning-of-sequence id.</summary>
    [JsonPropertyName("bos_token_id")] public int? BosTokenId { get; init; }

    /// <summary>End-of-sequence ids.</summary>
    [JsonPropertyName("eos_token_ids")] public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary>Tokenizer files present (Forge checkpoints: the tokenizer spec's kind too).</summary>
    [JsonPropertyName("tokenizer_files")] public IReadOnlyList<string> TokenizerFiles { get; init; } = [];

    /// <summary>Forge checkpoints: the built-in tokenizer ("byte", "gpt2").</summary>
    [JsonPropertyName("tokenizer")] public string? Tokenizer { get; init; }

    /// <summary>True when a chat template is present.</summary>
    [JsonPropertyName("chat_template")] public bool ChatTemplate { get; init; }

    /// <summary>Config fields Forge honours.</summary>
    [JsonPropertyName("honoured")] public IReadOnlyList<ConfigNote> Honoured { get; init; } = [];

    /// <summary>Config fields Forge ignores (they do not change the forward pass).</summary>
    [JsonPropertyName("ignored")] public IReadOnlyList<ConfigNote> Ignored { get; init; } = [];

    /// <summary>Config fields Forge refuses.</summary>
    [JsonPropertyName("refused")] public IReadOnlyList<ConfigNote> Refused { get; init; } = [];

    /// <summary>Why Forge cannot load it (refusals, malformed fields).</summary>
    [JsonPropertyName("problems")] public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>Reads a Forge checkpoint or a Hugging Face folder.</summary>
    public static ModelInspection Of(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new DirectoryNotFoundException($"{directory}: model folder not found.");
        return ModelFolder.IsCheckpoint(directory) ? OfCheckpoint(directory) : OfHuggingFace(directory);
    }

    private static ModelInspection OfHuggingFace(string directory)
    {
        var info = HfModelLoader.ReadInfo(directory);
        var problems = info.Problems.ToList();
        var (elements, dtypes, files) = (0L, new Dictionary<string, int>(), new List<string>());
        try
        {
            using var weights = HfWeightFiles.Open(directory);
            files.AddRange(weights.Files.Select(f => Path.GetFileName(f.Path)));
            foreach (var (_, t) in weights.Tensors)
            {
                elements += t.ElementCount;
                dtypes[t.DTypeName] = dtypes.GetValueOrDefault(t.DTypeName) + 1;
            }
            if (problems.Count == 0 && info.ModelConfig is not null)
                HfModelLoader.CheckWeights(directory, info, weights);
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException)
        {
            problems.Add(e.Message);
        }
        return new ModelInspection
        {
            Kind = "huggingface", Directory = directory, Architecture = info.Architecture,
            Loadable = problems.Count == 0 && info.ModelConfig is not null,
            Parameters = info.ModelConfig?.ParameterCount, StoredElements = elements, StoredDTypes = dtypes,
            TorchDType = info.TorchDType, WeightFiles = files, ContextLength = info.MaxSeqLen, Config = info.ModelConfig,
            BosTokenId = info.BosTokenId, EosTokenIds = info.EosTokenIds, TokenizerFiles = info.TokenizerFiles,
            ChatTemplate = info.HasChatTemplate,
            Honoured = [.. info.Notes.Where(n => n.Verdict == ConfigVerdict.Honoured)],
            Ignored = [.. info.Notes.Where(n => n.Verdict == ConfigVerdict.Ignored)],
            Refused = [.. info.Notes.Where(n => n.Verdict == ConfigVerdict.Refused)],
            Problems = problems,
        };
    }

    private static ModelInspection OfCheckpoint(string directory)
    {
        var info = Checkpoint.ReadInfo(directory);
        var (elements, dtypes) = (0L, new Dictionary<string, int>());
        using (var weights = MappedSafetensors.Open(Path.Combine(directory, "model.safetensors")))
            foreach (var t in weights.Tensors.Values)
            {
                elements += t.ElementCount;
                dtypes[t.DTypeName] = dtypes.GetValueOrDefault(t.DTypeName) + 1;
            }
        string architecture;
        try
        {
            architecture = HfConfigWriter.ArchitectureFor(info.Config);
        }
        catch (ArgumentException)
        {
            architecture = "forge"; // not expressible as a Hugging Face architecture (e.g. a GELU MLP)
        }
        var tokenizer = info.Tokenizer.Create();
        return new ModelInspection
        {
            Kind = "forge-checkpoint", Directory = directory, Architecture = architecture, Loadable = true,
            Parameters = info.Config.ParameterCount, StoredElements = elements, StoredDTypes = dtypes,
            WeightFiles = ["model.safetensors"], ContextLength = info.Config.MaxSeqLen, Config = info.Config,
            BosTokenId = tokenizer.BosId, EosTokenIds = [tokenizer.EosId],
            TokenizerFiles = HfTokenizerFiles.Present(directory), Tokenizer = info.Tokenizer.Kind,
            ChatTemplate = HfTokenizerFiles.HasChatTemplate(directory),
        };
    }
}
