using System.Text.Json.Nodes;
using Forge.Training.Checkpoints;
using Forge.Training.Tokenization.HuggingFace;
using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Reference.Tests.HuggingFace;

/// <summary>The shape of a small random Hugging Face checkpoint.</summary>
internal sealed record CheckpointSpec
{
    public required string Architecture { get; init; } // LlamaForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM
    public int ExtraVocab { get; init; }                 // embedding rows beyond the tokenizer's tokens
    public int Hidden { get; init; } = 64;
    public int Layers { get; init; } = 2;
    public int Heads { get; init; } = 4;
    public int KvHeads { get; init; } = 4;
    public int? HeadDim { get; init; }
    public int Intermediate { get; init; } = 96;
    public bool Tied { get; init; }
    public double RopeTheta { get; init; } = 10000;
    public double NormEps { get; init; } = 1e-6;
    public JsonObject? RopeScaling { get; init; }
    public int MaxPositions { get; init; } = 256;

    public bool IsQwen => Architecture.StartsWith("Qwen", StringComparison.Ordinal);
    public int HeadSize => HeadDim ?? Hidden / Heads;
}

/// <summary>
/// Writes a random checkpoint in Hugging Face layout (<c>config.json</c>, <c>model.safetensors</c> with HF names,
/// <c>tokenizer.json</c>, <c>tokenizer_config.json</c>, <c>generation_config.json</c>). Weights are scaled so that
/// activations stay of order one through the layers: logits then differ visibly between positions.
/// </summary>
internal static class RandomCheckpoint
{
    /// <summary>Writes the checkpoint with the synthetic tokenizer, or with the real tokenizer of <paramref name="tokenizer"/> when given.</summary>
    public static void Write(string directory, CheckpointSpec spec, long seed, HfTokenizer? tokenizer = null)
    {
        Directory.CreateDirectory(directory);
        int vocab, bos, eos;
        if (tokenizer is not null)
        {
            HfTokenizerFiles.Copy(tokenizer.Folder, directory);
            (vocab, bos, eos) = (tokenizer.VocabSize + spec.ExtraVocab, tokenizer.BosId, tokenizer.EosId);
        }
        else
        {
            string[] specials = spec.IsQwen ? ["<|endoftext|>", "<|im_start|>", "<|im_end|>"] : ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"];
            SyntheticTokenizer.Write(directory, spec.IsQwen ? SyntheticTokenizer.Qwen2Split : SyntheticTokenizer.Llama3Split, specials,
                bos: specials[0], eos: specials[spec.IsQwen ? 2 : 1]);
            vocab = SyntheticTokenizer.Size(specials.Length) + spec.ExtraVocab;
            (bos, eos) = (vocab - spec.ExtraVocab - 3, vocab - spec.ExtraVocab - (spec.IsQwen ? 1 : 2));
        }
        File.WriteAllText(Path.Combine(directory, "config.json"), Config(spec, vocab, bos, eos).ToJsonString());
        File.WriteAllText(Path.Combine(directory, "generation_config.json"), new JsonObject { ["bos_token_id"] = bos, ["eos_token_id"] = eos }.ToJsonString());

        using var scope = NewDisposeScope();
        var generator = new Generator(seed: (ulong)seed);
        Tensor Matrix(long rows, long cols) => randn([rows, cols], generator: generator) / Math.Sqrt(cols);
        Tensor Vector(long n, double scale, double offset = 0) => randn([n], generator: generator) * scale + offset;
        long d = spec.Hidden, hd = spec.HeadSize, q = spec.Heads * hd, kv = spec.KvHeads * hd;
        var tensors = new Dictionary<string, Tensor> { ["model.embed_tokens.weight"] = randn([vocab, d], generator: generator) };
        for (var l = 0; l < spec.Layers; l++)
        {
            var p = $"model.layers.{l}.";
            tensors[p + "input_layernorm.weight"] = Vector(d, 0.1, 1);
            tensors[p + "self_attn.q_proj.weight"] = Matrix(q, d);
            tensors[p + "self_attn.k_proj.weight"] = Matrix(kv, d);
            tensors[p + "self_attn.v_proj.weight"] = Matrix(kv, d);
            tensors[p + "self_attn.o_proj.weight"] = Matrix(d, q);
            if (spec.Architecture == "Qwen2ForCausalLM")
            {
                tensors[p + "self_attn.q_proj.bias"] = Vector(q, 0.5);
                tensors[p + "self_attn.k_proj.bias"] = Vector(kv, 0.5);
                tensors[p + "self_attn.v_proj.bias"] = Vector(kv, 0.5);
            }
            if (spec.Architecture == "Qwen3ForCausalLM")
            {
                tensors[p + "self_attn.q_norm.weight"] = Vector(hd, 0.1, 1);
                tensors[p + "self_attn.k_norm.weight"] = Vector(hd, 0.1, 1);
            }
            tensors[p + "post_attention_layernorm.weight"] = Vector(d, 0.1, 1);
            tensors[p + "mlp.gate_proj.weight"] = Matrix(spec.Intermediate, d);
            tensors[p + "mlp.up_proj.weight"] = Matrix(spec.Intermediate, d);
            tensors[p + "mlp.down_proj.weight"] = Matrix(d, spec.Intermediate);
        }
        tensors["model.norm.weight"] = Vector(d, 0.1, 1);
        if (!spec.Tied)
            tensors["lm_head.weight"] = Matrix(vocab, d);
        Safetensors.Write(Path.Combine(directory, "model.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" });
    }

    private static JsonObject Config(CheckpointSpec spec, int vocab, int bos, int eos)
    {
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray(spec.Architecture),
            ["model_type"] = spec.Architecture switch { "Qwen2ForCausalLM" => "qwen2", "Qwen3ForCausalLM" => "qwen3", _ => "llama" },
            ["vocab_size"] = vocab,
            ["hidden_size"] = spec.Hidden,
            ["intermediate_size"] = spec.Intermediate,
            ["num_hidden_layers"] = spec.Layers,
            ["num_attention_heads"] = spec.Heads,
            ["num_key_value_heads"] = spec.KvHeads,
            ["hidden_act"] = "silu",
            ["max_position_embeddings"] = spec.MaxPositions,
            ["rms_norm_eps"] = spec.NormEps,
            ["rope_theta"] = spec.RopeTheta,
            ["rope_scaling"] = spec.RopeScaling?.DeepClone(),
            ["tie_word_embeddings"] = spec.Tied,
            ["torch_dtype"] = "float32",
            ["bos_token_id"] = bos,
            ["eos_token_id"] = eos,
            ["attention_dropout"] = 0.0,
        };
        if (spec.HeadDim is not null || spec.Architecture == "Qwen3ForCausalLM") // Qwen3's default head_dim is 128, not hidden/heads
            config["head_dim"] = spec.HeadSize;
        if (spec.Architecture == "LlamaForCausalLM")
        {
            config["attention_bias"] = false;
            config["mlp_bias"] = false;
        }
        if (spec.IsQwen)
        {
            config["use_sliding_window"] = false;
            config["sliding_window"] = null;
            config["max_window_layers"] = spec.Layers;
        }
        if (spec.Architecture == "Qwen3ForCausalLM")
            config["attention_bias"] = false;
        return config;
    }
}
