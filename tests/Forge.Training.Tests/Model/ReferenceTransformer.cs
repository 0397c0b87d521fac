using Forge.Training.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Training.Tests.Model;

/// <summary>
/// A float64 forward pass written straight from the formulas (Llama/Qwen2/Qwen3 with GQA, biases, q/k norm and rope
/// scaling), one position and one head at a time, over a model's state dict. It shares no code with the model.
/// </summary>
internal static class ReferenceTransformer
{
    /// <summary>The settings the forward pass needs.</summary>
    internal sealed record Shape(int Layers, int Heads, int KvHeads, int HeadDim, double Eps, double Theta, RopeScaling? Scaling, bool Tie, bool QkNorm)
    {
        public static Shape Of(TransformerConfig c) =>
            new(c.Layers, c.Heads, c.KvHeadCount, c.HeadDim, c.NormEps, c.RopeTheta, c.RopeScaling, c.TieEmbeddings, c.QkNorm);

        /// <summary>Read from a Hugging Face config.json, field by field.</summary>
        public static Shape Of(System.Text.Json.Nodes.JsonObject c)
        {
            int heads = (int)c["num_attention_heads"]!, hidden = (int)c["hidden_size"]!;
            RopeScaling? scaling = c["rope_scaling"] is System.Text.Json.Nodes.JsonObject r && (string?)(r["rope_type"] ?? r["type"]) != "default"
                ? new RopeScaling
                {
                    Kind = (string?)(r["rope_type"] ?? r["type"]) == "llama3" ? RopeScalingKind.Llama3 : RopeScalingKind.Linear,
                    Factor = (double)r["factor"]!, LowFreqFactor = (double?)r["low_freq_factor"], HighFreqFactor = (double?)r["high_freq_factor"],
                    OriginalMaxPositions = (int?)r["original_max_position_embeddings"],
                }
                : null;
            return new Shape((int)c["num_hidden_layers"]!, heads, (int)c["num_key_value_heads"]!, (int?)c["head_dim"] ?? hidden / heads,
                (double)c["rms_norm_eps"]!, (double)c["rope_theta"]!, scaling, (bool)c["tie_word_embeddings"]!, (string)c["model_type"]! == "qwen3");
        }
    }

    /// <summary>Logits [T, V] of the model's own weights (renamed to Hugging Face's names here, independently of the loader's map).</summary>
    public static Tensor Logits(CausalTransformer model, long[] ids)
    {
        var renamed = model.state_dict().ToDictionary(kv => HuggingFaceName(kv.Key), kv => kv.Value);
        return Logits(renamed, Shape.Of(model.Config), ids);
    }

    /// <summary>Logits [T, V] for one sequence from weights by Hugging Face name.</summary>
    public static Tensor Logits(IReadOnlyDictionary<string, Tensor> weights, Shape c, long[] ids)
    {
        var w = weights.ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu().to(float64));
        Tensor W(string name) => w[name];
        Tensor? B(string name) => w.TryGetValue(name, out var b) ? b : null;
        int t = ids.Length, hd = c.HeadDim, heads = c.Heads, kvHeads = c.KvHeads;
        var invFreq = InverseFrequencies(hd, c.Theta, c.Scaling);

        var x = W("model.embed_tokens.weight").index_select(0, tensor(ids)); // [T, C]
        for (var layer = 0; layer < c.Layers; layer++)
        {
            var p = $"model.layers.{layer}.";
            var h = Rms(x, W(p + "input_layernorm.weight"), c.Eps);
            var q = Linear(h, W(p + "self_attn.q_proj.weight"), B(p + "self_attn.q_proj.bias")).view(t, heads, hd);
            var k = Linear(h, W(p + "self_attn.k_proj.weight"), B(p + "self_attn.k_proj.bias")).view(t, kvHeads, hd);
            var v = Linear(h, W(p + "self_attn.v_proj.weight"), B(p + "self_attn.v_proj.bias")).view(t, kvHeads, hd);
            if (c.QkNorm)
            {
                q = Rms(q, W(p + "self_attn.q_norm.weight"), c.Eps);
                k = Rms(k, W(p + "self_attn.k_norm.weight"), c.Eps);
            }
            q = Rope(q, invFreq);
            k = Rope(k, invFreq);
            var perHead = new Tensor[heads];
            for (var head = 0; head < heads; head++)
            {
                var kvHead = head / (heads / kvHeads);
                var rows = new Tensor[t];
                for (var i = 0; i < t; i++)
                {
                    var scores = new double[i + 1];
                    for (var j = 0; j <= i; j++)
                        scores[j] = q[i, head].dot(k[j, kvHead]).item<double>() / Math.Sqrt(hd);
                    var max = scores.Max();
                    var e = scores.Select(s => Math.Exp(s - max)).ToArray();
                    var sum = e.Sum();
                    var row = zeros(hd, float64);
                    for (var j = 0; j <= i; j++)
                        row = row + v[j, kvHead] * (e[j] / sum);
                    rows[i] = row;
                }
                perHead[head] = stack(rows); // [T, hd]
            }
            var attended = stack(perHead, 1).reshape(t, heads * hd);
            x = x + Linear(attended, W(p + "self_attn.o_proj.weight"), B(p + "self_attn.o_proj.bias"));
            h = Rms(x, W(p + "post_attention_layernorm.weight"), c.Eps);
            var gate = Linear(h, W(p + "mlp.gate_proj.weight"), B(p + "mlp.gate_proj.bias"));
            var up = Linear(h, W(p + "mlp.up_proj.weight"), B(p + "mlp.up_proj.bias"));
            x = x + Linear(gate * sigmoid(gate) * up, W(p + "mlp.down_proj.weight"), B(p + "mlp.down_proj.bias"));
        }
        x = Rms(x, W("model.norm.weight"), c.Eps);
        return x.matmul((c.Tie ? W("model.embed_tokens.weight") : W("lm_head.weight")).t()); // [T, V]
    }

    private static string HuggingFaceName(string ours) => ours switch
    {
        "embedding.weight" => "model.embed_tokens.weight",
        "norm.weight" => "model.norm.weight",
        "head.weight" => "lm_head.weight",
        _ => "model.layers." + ours["blocks.".Length..]
            .Replace("attentionNorm", "input_layernorm").Replace("mlpNorm", "post_attention_layernorm")
            .Replace("attention.queryNorm", "self_attn.q_norm").Replace("attention.keyNorm", "self_attn.k_norm")
            .Replace("attention.query", "self_attn.q_proj").Replace("attention.key", "self_attn.k_proj")
            .Replace("attention.value", "self_attn.v_proj").Replace("attention.output", "self_attn.o_proj")
            .Replace("mlp.gate", "mlp.gate_proj").Replace("mlp.up", "mlp.up_proj").Replace("mlp.down", "mlp.down_proj"),
    };

    /// <summary>θ_i = 1/theta^(2i/d), then Llama 3's or linear rescaling, in doubles.</summary>
    public static double[] InverseFrequencies(int headDim, double theta, RopeScaling? scaling)
    {
        var result = new double[headDim / 2];
        for (var i = 0; i < result.Length; i++)
        {
            var f = 1.0 / Math.Pow(theta, 2.0 * i / headDim);
            if (scaling?.Kind == RopeScalingKind.Linear)
                f /= scaling.Factor;
            else if (scaling?.Kind == RopeScalingKind.Llama3)
            {
                double factor = scaling.Factor, lo = scaling.LowFreqFactor!.Value, hi = scaling.HighFreqFactor!.Value;
                double old = scaling.OriginalMaxPositions!.Value, wavelen = 2 * Math.PI / f;
                if (wavelen > old / lo) f /= factor;
                else if (wavelen >= old / hi)
                {
                    var s = (old / wavelen - lo) / (hi - lo);
                    f = (1 - s) * (f / factor) + s * f;
                }
            }
            result[i] = f;
        }
        return result;
    }

    private static Tensor Linear(Tensor x, Tensor weight, Tensor? bias) => bias is null ? x.matmul(weight.t()) : x.matmul(weight.t()) + bias;

    private static Tensor Rms(Tensor x, Tensor weight, double eps) => x / (x.pow(2).mean([-1L], keepdim: true) + eps).sqrt() * weight;

    // x: [T, H, hd]; pairs (i, i + hd/2) rotated by position · θ_i.
    private static Tensor Rope(Tensor x, double[] invFreq)
    {
        var (t, half) = (x.shape[0], invFreq.Length);
        var result = x.clone();
        for (var pos = 0; pos < t; pos++)
            for (var i = 0; i < half; i++)
            {
                double angle = pos * invFreq[i], cos = Math.Cos(angle), sin = Math.Sin(angle);
                var a = x[pos, .., i];
                var b = x[pos, .., i + half];
                result[pos, .., i] = a * cos - b * sin;
                result[pos, .., i + half] = b * cos + a * sin;
            }
        return result;
    }
}
