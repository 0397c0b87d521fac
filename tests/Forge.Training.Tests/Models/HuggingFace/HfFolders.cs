using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;

namespace Forge.Training.Tests.Models.HuggingFace;

/// <summary>
/// Writes small random Hugging Face model folders the way the real ones are laid out: a config.json with the
/// fields the published configs of each architecture carry (tiny dimensions), safetensors in F32/F16/BF16 with
/// Hugging Face tensor names, optionally sharded with a model.safetensors.index.json, and generation_config.json.
/// Plain C# (no tensor library), so it shares nothing with the loader it tests.
/// </summary>
internal static class HfFolders
{
    /// <summary>A tensor by Hugging Face name: shape and float values.</summary>
    internal sealed record Weight(long[] Shape, float[] Values);

    public static readonly string[] Architectures = ["llama", "qwen2", "qwen3", "mistral"];

    /// <summary>A tiny config of <paramref name="architecture"/> with the fields its published configs have.</summary>
    public static JsonObject Config(string architecture) => architecture switch
    {
        // Llama 3.2's fields: GQA, llama3 rope scaling (all three frequency bands occur at head_dim 16), tied head.
        "llama" => new JsonObject
        {
            ["architectures"] = new JsonArray("LlamaForCausalLM"), ["attention_bias"] = false, ["attention_dropout"] = 0.0,
            ["bos_token_id"] = 1, ["eos_token_id"] = 2, ["head_dim"] = 16, ["hidden_act"] = "silu", ["hidden_size"] = 32,
            ["initializer_range"] = 0.02, ["intermediate_size"] = 48, ["max_position_embeddings"] = 256, ["mlp_bias"] = false,
            ["model_type"] = "llama", ["num_attention_heads"] = 2, ["num_hidden_layers"] = 2, ["num_key_value_heads"] = 1,
            ["pretraining_tp"] = 1, ["rms_norm_eps"] = 1e-05,
            ["rope_scaling"] = new JsonObject { ["factor"] = 8.0, ["high_freq_factor"] = 4.0, ["low_freq_factor"] = 1.0, ["original_max_position_embeddings"] = 64, ["rope_type"] = "llama3" },
            ["rope_theta"] = 500000.0, ["tie_word_embeddings"] = true, ["torch_dtype"] = "bfloat16",
            ["transformers_version"] = "4.45.0.dev0", ["use_cache"] = true, ["vocab_size"] = 64,
        },
        // Qwen2.5's fields: q/k/v biases, GQA, sliding window switched off, tied head.
        "qwen2" => new JsonObject
        {
            ["architectures"] = new JsonArray("Qwen2ForCausalLM"), ["attention_dropout"] = 0.0, ["bos_token_id"] = 3,
            ["eos_token_id"] = 3, ["hidden_act"] = "silu", ["hidden_size"] = 32, ["initializer_range"] = 0.02,
            ["intermediate_size"] = 56, ["max_position_embeddings"] = 128, ["max_window_layers"] = 1, ["model_type"] = "qwen2",
            ["num_attention_heads"] = 4, ["num_hidden_layers"] = 2, ["num_key_value_heads"] = 2, ["rms_norm_eps"] = 1e-06,
            ["rope_theta"] = 1000000.0, ["sliding_window"] = 32, ["tie_word_embeddings"] = true, ["torch_dtype"] = "bfloat16",
            ["transformers_version"] = "4.40.1", ["use_cache"] = true, ["use_mrope"] = false, ["use_sliding_window"] = false,
            ["vocab_size"] = 64,
        },
        // Qwen3's fields: head_dim ≠ hidden/heads, q/k norm, GQA, untied head here (the larger models' layout).
        "qwen3" => new JsonObject
        {
            ["architectures"] = new JsonArray("Qwen3ForCausalLM"), ["attention_bias"] = false, ["attention_dropout"] = 0.0,
            ["bos_token_id"] = 3, ["eos_token_id"] = 4, ["head_dim"] = 16, ["hidden_act"] = "silu", ["hidden_size"] = 32,
            ["initializer_range"] = 0.02, ["intermediate_size"] = 40, ["max_position_embeddings"] = 160, ["max_window_layers"] = 2,
            ["model_type"] = "qwen3", ["num_attention_heads"] = 4, ["num_hidden_layers"] = 2, ["num_key_value_heads"] = 2,
            ["rms_norm_eps"] = 1e-06, ["rope_scaling"] = null, ["rope_theta"] = 1000000, ["sliding_window"] = null,
            ["tie_word_embeddings"] = false, ["torch_dtype"] = "bfloat16", ["transformers_version"] = "4.51.0",
            ["use_cache"] = true, ["use_sliding_window"] = false, ["vocab_size"] = 64,
        },
        // Mistral 7B v0.3's fields: GQA, no sliding window, untied head.
        "mistral" => new JsonObject
        {
            ["architectures"] = new JsonArray("MistralForCausalLM"), ["attention_dropout"] = 0.0, ["bos_token_id"] = 1,
            ["eos_token_id"] = 2, ["hidden_act"] = "silu", ["hidden_size"] = 32, ["initializer_range"] = 0.02,
            ["intermediate_size"] = 64, ["max_position_embeddings"] = 128, ["model_type"] = "mistral",
            ["num_attention_heads"] = 4, ["num_hidden_layers"] = 2, ["num_key_value_heads"] = 1, ["rms_norm_eps"] = 1e-05,
            ["rope_theta"] = 1000000.0, ["sliding_window"] = null, ["tie_word_embeddings"] = false, ["torch_dtype"] = "bfloat16",
            ["transformers_version"] = "4.42.0.dev0", ["use_cache"] = true, ["vocab_size"] = 64,
        },
        _ => throw new ArgumentOutOfRangeException(nameof(architecture)),
    };

    /// <summary>Random weights for <paramref name="config"/>, by Hugging Face name (norms near 1, biases small).</summary>
    public static SortedDictionary<string, Weight> Weights(JsonObject config, int seed = 7)
    {
        var random = new Random(seed);
        int Get(string key) => config[key]!.GetValue<int>();
        int vocab = Get("vocab_size"), hidden = Get("hidden_size"), inter = Get("intermediate_size"), layers = Get("num_hidden_layers");
        int heads = Get("num_attention_heads"), kv = Get("num_key_value_heads");
        var hd = config["head_dim"] is JsonValue h ? h.GetValue<int>() : hidden / heads;
        var arch = config["model_type"]!.GetValue<string>();
        bool Flag(string key) => config[key] is JsonValue v && v.GetValue<bool>();
        var qkvBias = arch == "qwen2" || Flag("attention_bias");
        var outputBias = arch != "qwen2" && Flag("attention_bias");
        var mlpBias = Flag("mlp_bias");

        var weights = new SortedDictionary<string, Weight>(StringComparer.Ordinal);
        void Add(string name, float centre, float spread, params long[] shape) =>
            weights[name] = new Weight(shape, [.. Enumerable.Range(0, (int)shape.Aggregate(1L, (a, d) => a * d)).Select(_ => centre + spread * (2 * random.NextSingle() - 1))]);
        Add("model.embed_tokens.weight", 0, 0.5f, vocab, hidden);
        for (var i = 0; i < layers; i++)
        {
            var p = $"model.layers.{i}.";
            Add(p + "input_layernorm.weight", 1, 0.2f, hidden);
            Add(p + "self_attn.q_proj.weight", 0, 0.3f, heads * hd, hidden);
            Add(p + "self_attn.k_proj.weight", 0, 0.3f, kv * hd, hidden);
            Add(p + "self_attn.v_proj.weight", 0, 0.3f, kv * hd, hidden);
            Add(p + "self_attn.o_proj.weight", 0, 0.3f, hidden, heads * hd);
            if (qkvBias)
                foreach (var (proj, rows) in new[] { ("q_proj", heads * hd), ("k_proj", kv * hd), ("v_proj", kv * hd) })
                    Add(p + $"self_attn.{proj}.bias", 0, 0.2f, rows);
            if (outputBias)
                Add(p + "self_attn.o_proj.bias", 0, 0.2f, hidden);
            if (arch == "qwen3")
            {
                Add(p + "self_attn.q_norm.weight", 1, 0.2f, hd);
                Add(p + "self_attn.k_norm.weight", 1, 0.2f, hd);
            }
            Add(p + "post_attention_layernorm.weight", 1, 0.2f, hidden);
            Add(p + "mlp.gate_proj.weight", 0, 0.3f, inter, hidden);
            Add(p + "mlp.up_proj.weight", 0, 0.3f, inter, hidden);
            Add(p + "mlp.down_proj.weight", 0, 0.3f, hidden, inter);
            if (mlpBias)
            {
                Add(p + "mlp.gate_proj.bias", 0, 0.2f, inter);
                Add(p + "mlp.up_proj.bias", 0, 0.2f, inter);
                Add(p + "mlp.down_proj.bias", 0, 0.2f, hidden);
            }
        }
        Add("model.norm.weight", 1, 0.2f, hidden);
        if (!(config["tie_word_embeddings"] is JsonValue t && t.GetValue<bool>()))
            Add("lm_head.weight", 0, 0.3f, vocab, hidden);
        return weights;
    }

    /// <summary>
    /// Writes a model folder: config.json, the weights in <paramref name="dtype"/> ("F32", "F16", "BF16") as one
    /// model.safetensors or <paramref name="shards"/> files with an index, and generation_config.json when given.
    /// </summary>
    public static string Write(string directory, JsonObject config, IReadOnlyDictionary<string, Weight> weights, string dtype = "F32", int shards = 1, JsonObject? generationConfig = null)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), config.ToJsonString(new() { WriteIndented = true }));
        if (generationConfig is not null)
            File.WriteAllText(Path.Combine(directory, "generation_config.json"), generationConfig.ToJsonString());
        var names = weights.Keys.Order(StringComparer.Ordinal).ToList();
        if (shards == 1)
        {
            WriteSafetensors(Path.Combine(directory, "model.safetensors"), names.ToDictionary(n => n, n => weights[n]), dtype);
            return directory;
        }
        var weightMap = new JsonObject();
        long total = 0;
        for (var s = 0; s < shards; s++)
        {
            var file = $"model-{s + 1:00000}-of-{shards:00000}.safetensors";
            var part = names.Where((_, i) => i * shards / names.Count == s).ToDictionary(n => n, n => weights[n]);
            WriteSafetensors(Path.Combine(directory, file), part, dtype);
            foreach (var (name, w) in part)
            {
                weightMap[name] = file;
                total += w.Values.Length * ElementSize(dtype);
            }
        }
        var index = new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = total }, ["weight_map"] = weightMap };
        File.WriteAllText(Path.Combine(directory, "model.safetensors.index.json"), index.ToJsonString(new() { WriteIndented = true }));
        return directory;
    }

    /// <summary>One safetensors file: 8-byte little-endian header length, the JSON header (padded to 8 bytes), the data.</summary>
    public static void WriteSafetensors(string path, IReadOnlyDictionary<string, Weight> tensors, string dtype)
    {
        var header = new JsonObject { ["__metadata__"] = new JsonObject { ["format"] = "pt" } };
        var data = new MemoryStream();
        foreach (var (name, w) in tensors)
        {
            var bytes = Encode(w.Values, dtype);
            header[name] = new JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new JsonArray([.. w.Shape.Select(d => (JsonNode)d)]),
                ["data_offsets"] = new JsonArray(data.Length, data.Length + bytes.Length),
            };
            data.Write(bytes);
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var padded = json.Concat(Enumerable.Repeat((byte)' ', (8 - json.Length % 8) % 8)).ToArray();
        using var file = File.Create(path);
        var length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded.Length);
        file.Write(length);
        file.Write(padded);
        data.Position = 0;
        data.CopyTo(file);
    }

    /// <summary>The values as the file stores them (rounded to F16 or BF16).</summary>
    public static float[] Stored(float[] values, string dtype) => dtype switch
    {
        "F32" => values,
        "F16" => [.. values.Select(v => (float)(Half)v)],
        "BF16" => [.. values.Select(v => BitConverter.Int32BitsToSingle(RoundToBFloat16(v) << 16))],
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    private static int ElementSize(string dtype) => dtype == "F32" ? 4 : 2;

    private static byte[] Encode(float[] values, string dtype)
    {
        var bytes = new byte[values.Length * ElementSize(dtype)];
        for (var i = 0; i < values.Length; i++)
            switch (dtype)
            {
                case "F32": BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]); break;
                case "F16": BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(2 * i), (Half)values[i]); break;
                case "BF16": BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), (ushort)RoundToBFloat16(values[i])); break;
                default: throw new ArgumentOutOfRangeException(nameof(dtype));
            }
        return bytes;
    }

    // Round to nearest even on the upper 16 bits of the float (finite values).
    private static int RoundToBFloat16(float value)
    {
        var bits = BitConverter.SingleToInt32Bits(value);
        return (int)(((uint)bits + 0x7FFF + ((uint)(bits >> 16) & 1)) >> 16);
    }
}
