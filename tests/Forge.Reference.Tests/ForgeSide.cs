using Forge.Reference.Tests.HuggingFace;
using Forge.Training.Checkpoints;
using Forge.Training.Model;
using static TorchSharp.torch;

namespace Forge.Reference.Tests;

// Interim: builds Forge's model from the spec until the Hugging Face folder loader lands.
internal static class ForgeSide
{
    private static readonly WeightNameMap Names = new WeightNameMap()
        .Add(@"model\.embed_tokens\.weight", "embedding.weight")
        .Add(@"model\.layers\.(\d+)\.self_attn\.q_proj\.(weight|bias)", "blocks.$1.attention.query.$2")
        .Add(@"model\.layers\.(\d+)\.self_attn\.k_proj\.(weight|bias)", "blocks.$1.attention.key.$2")
        .Add(@"model\.layers\.(\d+)\.self_attn\.v_proj\.(weight|bias)", "blocks.$1.attention.value.$2")
        .Add(@"model\.layers\.(\d+)\.self_attn\.o_proj\.weight", "blocks.$1.attention.output.weight")
        .Add(@"model\.layers\.(\d+)\.self_attn\.q_norm\.weight", "blocks.$1.attention.queryNorm.weight")
        .Add(@"model\.layers\.(\d+)\.self_attn\.k_norm\.weight", "blocks.$1.attention.keyNorm.weight")
        .Add(@"model\.layers\.(\d+)\.input_layernorm\.weight", "blocks.$1.attentionNorm.weight")
        .Add(@"model\.layers\.(\d+)\.post_attention_layernorm\.weight", "blocks.$1.mlpNorm.weight")
        .Add(@"model\.layers\.(\d+)\.mlp\.gate_proj\.weight", "blocks.$1.mlp.gate.weight")
        .Add(@"model\.layers\.(\d+)\.mlp\.up_proj\.weight", "blocks.$1.mlp.up.weight")
        .Add(@"model\.layers\.(\d+)\.mlp\.down_proj\.weight", "blocks.$1.mlp.down.weight")
        .Add(@"model\.norm\.weight", "norm.weight")
        .Add(@"lm_head\.weight", "head.weight");

    public static float[][] Logits(string directory, CheckpointSpec spec, int vocab, IReadOnlyList<int> ids)
    {
        Training.Model.RopeScaling? scaling = spec.RopeScaling is null ? null : new()
        {
            Kind = (string?)spec.RopeScaling["rope_type"] == "llama3" ? RopeScalingKind.Llama3 : RopeScalingKind.Linear,
            Factor = (double)spec.RopeScaling["factor"]!,
            LowFreqFactor = (double?)spec.RopeScaling["low_freq_factor"],
            HighFreqFactor = (double?)spec.RopeScaling["high_freq_factor"],
            OriginalMaxPositions = (int?)spec.RopeScaling["original_max_position_embeddings"],
        };
        var config = new TransformerConfig
        {
            VocabSize = vocab, DModel = spec.Hidden, Layers = spec.Layers, Heads = spec.Heads, KvHeads = spec.KvHeads, HeadSize = spec.HeadDim,
            FfHiddenSize = spec.Intermediate, MaxSeqLen = spec.MaxPositions, RopeTheta = spec.RopeTheta, NormEps = spec.NormEps,
            TieEmbeddings = spec.Tied, QkvBias = spec.Architecture == "Qwen2ForCausalLM", QkNorm = spec.Architecture == "Qwen3ForCausalLM",
            RopeScaling = scaling,
        };
        using var model = CausalTransformer.ForLoading(config, ScalarType.Float32, CPU);
        WeightLoader.LoadSafetensors(model, Path.Combine(directory, "model.safetensors"), Names);
        model.eval();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var logits = model.Forward(tensor(ids.Select(i => (long)i).ToArray()).unsqueeze(0))[0]; // [T, V]
        return [.. Enumerable.Range(0, ids.Count).Select(t => logits[t].data<float>().ToArray())];
    }
}
