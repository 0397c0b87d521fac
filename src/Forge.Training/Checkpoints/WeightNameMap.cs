using System.Text.RegularExpressions;

namespace Forge.Training.Checkpoints;

/// <summary>
/// Renames weights from another naming scheme to <see cref="Model.CausalTransformer"/>'s: ordered regex rules, the
/// first whose pattern matches the whole name wins; a name no rule matches is "unmapped".
/// </summary>
public sealed class WeightNameMap
{
    private readonly List<(Regex Pattern, string Replacement)> rules = [];

    /// <summary>No renaming: names must already be ours.</summary>
    public static WeightNameMap Identity { get; } = new WeightNameMap().Add("(.*)", "$1");

    /// <summary>
    /// Hugging Face LLaMA-style names (<c>model.embed_tokens.weight</c>, <c>model.layers.N.self_attn.q_proj.weight</c>,
    /// <c>input_layernorm</c>, <c>post_attention_layernorm</c>, <c>mlp.gate_proj/up_proj/down_proj</c>,
    /// <c>model.norm.weight</c>, <c>lm_head.weight</c>). Rotary embedding buffers (<c>rotary_emb.inv_freq</c>) are
    /// dropped. Grouped-query attention (fewer key/value heads) is not supported by the model.
    /// </summary>
    public static WeightNameMap Llama { get; } = new WeightNameMap()
        .Add(@"model\.embed_tokens\.weight", "embedding.weight")
        .Add(@"model\.layers\.(\d+)\.self_attn\.q_proj\.weight", "blocks.$1.attention.query.weight")
        .Add(@"model\.layers\.(\d+)\.self_attn\.k_proj\.weight", "blocks.$1.attention.key.weight")
        .Add(@"model\.layers\.(\d+)\.self_attn\.v_proj\.weight", "blocks.$1.attention.value.weight")
        .Add(@"model\.layers\.(\d+)\.self_attn\.o_proj\.weight", "blocks.$1.attention.output.weight")
        .Add(@"model\.layers\.(\d+)\.input_layernorm\.weight", "blocks.$1.attentionNorm.weight")
        .Add(@"model\.layers\.(\d+)\.post_attention_layernorm\.weight", "blocks.$1.mlpNorm.weight")
        .Add(@"model\.layers\.(\d+)\.mlp\.gate_proj\.weight", "blocks.$1.mlp.gate.weight")
        .Add(@"model\.layers\.(\d+)\.mlp\.up_proj\.weight", "blocks.$1.mlp.up.weight")
        .Add(@"model\.layers\.(\d+)\.mlp\.down_proj\.weight", "blocks.$1.mlp.down.weight")
        .Add(@"model\.norm\.weight", "norm.weight")
        .Add(@"lm_head\.weight", "head.weight")
        .Add(@"model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq", "");

    /// <summary>Adds a rule; an empty replacement means "ignore this weight".</summary>
    public WeightNameMap Add(string pattern, string replacement)
    {
        rules.Add((new Regex("^(?:" + pattern + ")$", RegexOptions.CultureInvariant), replacement));
        return this;
    }

    /// <summary>Our name for <paramref name="name"/>; "" when it is to be ignored; null when no rule matches.</summary>
    public string? Map(string name)
    {
        foreach (var (pattern, replacement) in rules)
            if (pattern.IsMatch(name))
                return pattern.Replace(name, replacement);
        return null;
    }
}
