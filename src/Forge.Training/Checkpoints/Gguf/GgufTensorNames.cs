namespace Forge.Training.Checkpoints.Gguf;

/// <summary>
/// Hugging Face weight names (Llama, Qwen2, Qwen3, Mistral) → the GGUF tensor names llama.cpp loads. Rotary
/// inverse-frequency buffers are dropped (llama.cpp computes its own); <c>lm_head.weight</c> maps to
/// <c>output.weight</c>, which the exporter leaves out when the embeddings are tied.
/// </summary>
internal static class GgufTensorNames
{
    public static WeightNameMap Map { get; } = new WeightNameMap()
        .Add(@"model\.embed_tokens\.weight", "token_embd.weight")
        .Add(@"model\.layers\.(\d+)\.input_layernorm\.weight", "blk.$1.attn_norm.weight")
        .Add(@"model\.layers\.(\d+)\.self_attn\.q_proj\.(weight|bias)", "blk.$1.attn_q.$2")
        .Add(@"model\.layers\.(\d+)\.self_attn\.k_proj\.(weight|bias)", "blk.$1.attn_k.$2")
        .Add(@"model\.layers\.(\d+)\.self_attn\.v_proj\.(weight|bias)", "blk.$1.attn_v.$2")
        .Add(@"model\.layers\.(\d+)\.self_attn\.o_proj\.(weight|bias)", "blk.$1.attn_output.$2")
        .Add(@"model\.layers\.(\d+)\.self_attn\.q_norm\.weight", "blk.$1.attn_q_norm.weight")
        .Add(@"model\.layers\.(\d+)\.self_attn\.k_norm\.weight", "blk.$1.attn_k_norm.weight")
        .Add(@"model\.layers\.(\d+)\.post_attention_layernorm\.weight", "blk.$1.ffn_norm.weight")
        .Add(@"model\.layers\.(\d+)\.mlp\.gate_proj\.(weight|bias)", "blk.$1.ffn_gate.$2")
        .Add(@"model\.layers\.(\d+)\.mlp\.up_proj\.(weight|bias)", "blk.$1.ffn_up.$2")
        .Add(@"model\.layers\.(\d+)\.mlp\.down_proj\.(weight|bias)", "blk.$1.ffn_down.$2")
        .Add(@"model\.norm\.weight", "output_norm.weight")
        .Add(@"lm_head\.weight", "output.weight")
        .Add(@"model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq", "");

    /// <summary>Order of tensors in the file: embeddings, rope factors, blocks by number, final norm, output head.</summary>
    public static (int Group, int Layer, string Name) SortKey(string ggufName)
    {
        if (ggufName.StartsWith("blk.", StringComparison.Ordinal))
            return (2, int.Parse(ggufName.Split('.')[1], System.Globalization.CultureInfo.InvariantCulture), ggufName);
        return ggufName switch
        {
            "token_embd.weight" => (0, 0, ggufName),
            "rope_freqs.weight" => (1, 0, ggufName),
            "output_norm.weight" => (3, 0, ggufName),
            _ => (4, 0, ggufName),
        };
    }
}
