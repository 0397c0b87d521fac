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
    /// <summary>Logits [T, V] for one sequence.</summary>
    public static Tensor Logits(CausalTransformer model, long[] ids)
    {
        var c = model.Config;
        var w = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu().to(float64));
        Tensor W(string name) => w[name];
        Tensor? B(string name) => w.TryGetValue(name, out var b) ? b : null;
        int t = ids.Length, hd = c.HeadDim, heads = c.Heads, kvHeads = c.KvHeadCount;
        var invFreq = InverseFrequencies(hd, c.RopeTheta, c.RopeScaling);

        var x = W("embedding.weight").index_select(0, tensor(ids)); // [T, C]
        for (var layer = 0; layer < c.Layers; layer++)
        {
            var p = $"blocks.{layer}.";
            var h = Rms(x, W(p + "attentionNorm.weight"), c.NormEps);
            var q = Linear(h, W(p + "attention.query.weight"), B(p + "attention.query.bias")).view(t, heads, hd);
            var k = Linear(h, W(p + "attention.key.weight"), B(p + "attention.key.bias")).view(t, kvHeads, hd);
            var v = Linear(h, W(p + "attention.value.weight"), B(p + "attention.value.bias")).view(t, kvHeads, hd);
            if (c.QkNorm)
            {
                q = Rms(q, W(p + "attention.queryNorm.weight"), c.NormEps);
                k = Rms(k, W(p + "attention.keyNorm.weight"), c.NormEps);
            }
            q = Rope(q, invFreq);
            k = Rope(k, invFreq);
            var heads_ = new Tensor[heads];
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
                heads_[head] = stack(rows); // [T, hd]
            }
            var attended = stack(heads_, 1).reshape(t, heads * hd);
            x = x + Linear(attended, W(p + "attention.output.weight"), B(p + "attention.output.bias"));
            h = Rms(x, W(p + "mlpNorm.weight"), c.NormEps);
            var gate = Linear(h, W(p + "mlp.gate.weight"), B(p + "mlp.gate.bias"));
            var up = Linear(h, W(p + "mlp.up.weight"), B(p + "mlp.up.bias"));
            x = x + Linear(gate * sigmoid(gate) * up, W(p + "mlp.down.weight"), B(p + "mlp.down.bias"));
        }
        x = Rms(x, W("norm.weight"), c.NormEps);
        return x.matmul((c.TieEmbeddings ? W("embedding.weight") : W("head.weight")).t()); // [T, V]
    }

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
