using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace Forge.Training.Checkpoints.Gguf;

// Interim readers of a Hugging Face folder until the shared loader lands.
internal static class HfShape
{
    public static (GgufModelShape Shape, (int? Bos, int? Eos) Ids) Read(string directory)
    {
        var file = Path.Combine(directory, "config.json");
        var c = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        var hfArch = (string?)c["architectures"]?[0] ?? "";
        var arch = GgufModelShape.ArchitectureOf(hfArch) ?? throw new InvalidDataException($"{file}: $.architectures[0]: '{hfArch}' unsupported.");
        int hidden = (int)c["hidden_size"]!, heads = (int)c["num_attention_heads"]!;
        Forge.Training.Model.RopeScaling? scaling = null;
        if (c["rope_scaling"] is JsonObject rs)
        {
            var type = (string?)rs["rope_type"] ?? (string?)rs["type"] ?? "";
            scaling = new Forge.Training.Model.RopeScaling
            {
                Kind = type == "llama3" ? Forge.Training.Model.RopeScalingKind.Llama3 : Forge.Training.Model.RopeScalingKind.Linear,
                Factor = (double)rs["factor"]!, LowFreqFactor = (double?)rs["low_freq_factor"], HighFreqFactor = (double?)rs["high_freq_factor"],
                OriginalMaxPositions = (int?)rs["original_max_position_embeddings"],
            };
        }
        var config = new Forge.Training.Model.TransformerConfig
        {
            VocabSize = (int)c["vocab_size"]!,
            DModel = hidden,
            Layers = (int)c["num_hidden_layers"]!,
            Heads = heads,
            KvHeads = (int?)c["num_key_value_heads"],
            HeadSize = (int?)c["head_dim"],
            FfHiddenSize = (int)c["intermediate_size"]!,
            MaxSeqLen = (int?)c["max_position_embeddings"] ?? 2048,
            RopeTheta = (double?)c["rope_theta"] ?? 10000,
            NormEps = (double?)c["rms_norm_eps"] ?? 1e-6,
            TieEmbeddings = (bool?)c["tie_word_embeddings"] ?? false,
            RopeScaling = scaling,
            QkvBias = hfArch == "Qwen2ForCausalLM",
            QkNorm = hfArch == "Qwen3ForCausalLM",
        };
        var name = Path.GetFileName(Path.GetFullPath(directory).TrimEnd('/'));
        var eos = c["eos_token_id"] is JsonArray a ? (int?)a[0] : (int?)c["eos_token_id"];
        return (new GgufModelShape(arch, name, config), ((int?)c["bos_token_id"], eos));
    }
}

internal sealed class HfWeights : IDisposable
{
    private readonly Dictionary<string, Tensor> tensors;
    private readonly string file;

    private HfWeights(string directory)
    {
        Directory = directory;
        file = Path.Combine(directory, "model.safetensors");
        tensors = Safetensors.Read(file);
    }

    public string Directory { get; }
    public IEnumerable<string> Names => tensors.Keys;
    public static HfWeights Open(string directory) => new(directory);
    public string FileOf(string name) => file;
    public long[] Shape(string name) => tensors[name].shape;
    public Tensor Read(string name) => tensors[name].alias();

    public void Dispose()
    {
        foreach (var t in tensors.Values) t.Dispose();
    }
}
