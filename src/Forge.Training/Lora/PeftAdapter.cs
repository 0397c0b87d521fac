using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Forge.Training.Checkpoints;
using Forge.Training.Model;
using static TorchSharp.torch;

namespace Forge.Training.Lora;

/// <summary>
/// LoRA adapters in Hugging Face PEFT's on-disk format: <c>adapter_config.json</c> (<c>peft_type</c> LORA,
/// <c>task_type</c> CAUSAL_LM, <c>r</c>, <c>lora_alpha</c>, <c>lora_dropout</c>, <c>target_modules</c>, …) and
/// <c>adapter_model.safetensors</c> with PEFT's tensor names
/// (<c>base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight</c> [r, in], <c>….lora_B.weight</c> [out, r],
/// <c>….mlp.gate_proj.…</c>), so that <c>PeftModel.from_pretrained</c> loads them onto the Hugging Face base model.
/// </summary>
public static partial class PeftAdapter
{
    /// <summary>The config file's name.</summary>
    public const string ConfigFile = "adapter_config.json";

    /// <summary>The weights file's name.</summary>
    public const string WeightsFile = "adapter_model.safetensors";

    /// <summary>Whether <paramref name="directory"/> holds an adapter config.</summary>
    public static bool Exists(string directory) => File.Exists(Path.Combine(directory, ConfigFile));

    /// <summary>The <c>base_model_name_or_path</c> of <paramref name="directory"/>'s adapter config; null when it has none or no config.</summary>
    public static string? BaseModel(string directory)
    {
        var path = Path.Combine(directory, ConfigFile);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonNode.Parse(File.ReadAllText(path))?["base_model_name_or_path"] is JsonValue v && v.TryGetValue<string>(out var name) ? name : null;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>Writes both files into <paramref name="directory"/> (created if needed).</summary>
    /// <param name="directory">Where to write.</param>
    /// <param name="adapters">The adapters to save.</param>
    /// <param name="baseModel">The base model's Hugging Face folder or hub id (<c>base_model_name_or_path</c>); null when it has none.</param>
    public static void Save(string directory, LoraAdapters adapters, string? baseModel = null)
    {
        ArgumentNullException.ThrowIfNull(adapters);
        Directory.CreateDirectory(directory);
        var o = adapters.Options;
        var config = new JsonObject
        {
            ["peft_type"] = "LORA",
            ["task_type"] = "CAUSAL_LM",
            ["base_model_name_or_path"] = baseModel,
            ["r"] = o.Rank,
            ["lora_alpha"] = o.Alpha,
            ["lora_dropout"] = o.Dropout,
            ["target_modules"] = new JsonArray([.. o.Targets.Select(t => (JsonNode?)t)]),
            ["bias"] = "none",
            ["fan_in_fan_out"] = false,
            ["inference_mode"] = true,
            ["init_lora_weights"] = true,
            ["use_rslora"] = false,
            ["use_dora"] = false,
            ["modules_to_save"] = null,
            ["layers_to_transform"] = null,
            ["layers_pattern"] = null,
            ["rank_pattern"] = new JsonObject(),
            ["alpha_pattern"] = new JsonObject(),
            ["revision"] = null,
        };
        File.WriteAllText(Path.Combine(directory, ConfigFile), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (module, layer) in adapters.Layers)
        {
            tensors[TensorName(module, "lora_A")] = layer.A;
            tensors[TensorName(module, "lora_B")] = layer.B;
        }
        Safetensors.Write(Path.Combine(directory, WeightsFile), tensors, new Dictionary<string, string> { ["format"] = "pt" });
    }

    /// <summary>
    /// Reads the adapters in <paramref name="directory"/> and attaches them to <paramref name="model"/>. Strict: every
    /// adapter tensor the config implies must be present with its shape, and nothing else. Throws
    /// <see cref="InvalidDataException"/> naming the file and the field or tensor.
    /// </summary>
    public static LoraAdapters Load(string directory, CausalTransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var options = ReadOptions(Path.Combine(directory, ConfigFile));
        var weightsPath = Path.Combine(directory, WeightsFile);
        LoraAdapters adapters;
        try
        {
            adapters = LoraAdapters.Attach(model, options, seed: 0);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{Path.Combine(directory, ConfigFile)}: {e.Message}", e);
        }
        var tensors = Safetensors.Read(weightsPath);
        try
        {
            var wanted = adapters.Layers.SelectMany(l => new[] { (Name: TensorName(l.Module, "lora_A"), Parameter: l.Layer.A), (Name: TensorName(l.Module, "lora_B"), Parameter: l.Layer.B) }).ToList();
            var problems = new List<string>();
            foreach (var (name, parameter) in wanted)
            {
                if (!tensors.TryGetValue(name, out var t)) problems.Add($"'{name}' is missing");
                else if (!t.shape.SequenceEqual(parameter.shape))
                    problems.Add($"'{name}' has shape [{string.Join(", ", t.shape)}], the model needs [{string.Join(", ", parameter.shape)}]");
            }
            problems.AddRange(tensors.Keys.Except(wanted.Select(w => w.Name)).Order(StringComparer.Ordinal).Select(n => $"'{n}' has no place in the adapters"));
            if (problems.Count > 0) throw new InvalidDataException($"{weightsPath}: cannot load adapters: {string.Join("; ", problems)}.");
            using var noGrad = no_grad();
            foreach (var (name, parameter) in wanted) parameter.copy_(tensors[name].to(parameter.dtype, parameter.device));
            return adapters;
        }
        catch
        {
            adapters.Dispose();
            throw;
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>PEFT's name of one adapter tensor: <c>blocks.3.mlp.up</c> + <c>lora_B</c> → <c>base_model.model.model.layers.3.mlp.up_proj.lora_B.weight</c>.</summary>
    public static string TensorName(string module, string which)
    {
        var match = ModuleName().Match(module);
        if (!match.Success) throw new ArgumentException($"'{module}' is not a block projection (blocks.N.attention.X or blocks.N.mlp.X).", nameof(module));
        var ours = $"{match.Groups[2].Value}.{match.Groups[3].Value}";
        var target = LoraOptions.KnownTargets.Single(kv => kv.Value == ours).Key;
        var parent = match.Groups[2].Value == "attention" ? "self_attn" : "mlp";
        return $"base_model.model.model.layers.{match.Groups[1].Value}.{parent}.{target}.{which}.weight";
    }

    /// <summary>The options an <c>adapter_config.json</c> describes; what Forge cannot honour is refused by field name.</summary>
    public static LoraOptions ReadOptions(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: adapter config not found.", path);
        JsonObject config;
        try
        {
            config = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: $: expected a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON: {e.Message}", e);
        }
        string? Text(string field) => config[field] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        void Require(bool ok, string field, string what)
        {
            if (!ok) throw new InvalidDataException($"{path}: $.{field}: {what}");
        }
        Require(Text("peft_type") == "LORA", "peft_type", $"expected \"LORA\", got {config["peft_type"]?.ToJsonString() ?? "nothing"}");
        Require(config["target_modules"] is JsonArray targets && targets.All(t => t is JsonValue v && v.TryGetValue<string>(out _)), "target_modules",
            "expected a list of projection names (a regular expression is not supported)");
        Require(Text("bias") is null or "none", "bias", $"only \"none\" is supported, got \"{Text("bias")}\"");
        foreach (var flag in new[] { "fan_in_fan_out", "use_dora", "use_rslora" })
            Require(config[flag] is null || config[flag]!.GetValueKind() == JsonValueKind.False, flag, "only false is supported");
        foreach (var field in new[] { "modules_to_save", "layers_to_transform", "layers_pattern" })
            Require(config[field] is null, field, "is not supported (must be null)");
        foreach (var field in new[] { "rank_pattern", "alpha_pattern" })
            Require(config[field] is null || config[field] is JsonObject { Count: 0 }, field, "per-module ranks and alphas are not supported (must be empty)");
        double Number(string field, double fallback)
        {
            if (config[field] is null) return fallback;
            Require(config[field] is JsonValue v && v.TryGetValue<double>(out _), field, $"expected a number, got {config[field]!.ToJsonString()}");
            return config[field]!.GetValue<double>();
        }
        Require(config["r"] is not null, "r", "missing");
        var rank = Number("r", 0);
        Require(rank == Math.Floor(rank) && rank <= int.MaxValue, "r", $"expected an integer, got {rank}");
        var options = new LoraOptions
        {
            Rank = (int)rank,
            Alpha = Number("lora_alpha", 8),   // PEFT's default
            Dropout = Number("lora_dropout", 0),
            Targets = [.. ((JsonArray)config["target_modules"]!).Select(t => t!.GetValue<string>())],
        };
        var errors = options.Validate(field => "$." + PeftFields[field]);
        if (errors.Count > 0) throw new InvalidDataException($"{path}: " + string.Join("; ", errors));
        return options;
    }

    private static readonly Dictionary<string, string> PeftFields = new()
    {
        ["rank"] = "r", ["alpha"] = "lora_alpha", ["dropout"] = "lora_dropout", ["targets"] = "target_modules",
    };

    [GeneratedRegex(@"^blocks\.(\d+)\.(attention|mlp)\.(\w+)$")]
    private static partial Regex ModuleName();
}
