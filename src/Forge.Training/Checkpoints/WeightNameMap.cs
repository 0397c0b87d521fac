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

    // Hugging Face name ↔ ours; {i} is a layer index, {p} is "weight" or "bias". One table for both directions.
    private static readonly (string HuggingFace, string Ours)[] HuggingFacePairs =
    [
        ("model.embed_tokens.weight", "embedding.weight"),
        ("model.layers.{i}.self_attn.q_proj.{p}", "blocks.{i}.attention.query.{p}"),
        ("model.layers.{i}.self_attn.k_proj.{p}", "blocks.{i}.attention.key.{p}"),
        ("model.layers.{i}.self_attn.v_proj.{p}", "blocks.{i}.attention.value.{p}"),
        ("model.layers.{i}.self_attn.o_proj.{p}", "blocks.{i}.attention.output.{p}"),
        ("model.layers.{i}.self_attn.q_norm.weight", "blocks.{i}.attention.queryNorm.weight"),
        ("model.layers.{i}.self_attn.k_norm.weight", "blocks.{i}.attention.keyNorm.weight"),
        ("model.layers.{i}.input_layernorm.weight", "blocks.{i}.attentionNorm.weight"),
        ("model.layers.{i}.post_attention_layernorm.weight", "blocks.{i}.mlpNorm.weight"),
        ("model.layers.{i}.mlp.gate_proj.{p}", "blocks.{i}.mlp.gate.{p}"),
        ("model.layers.{i}.mlp.up_proj.{p}", "blocks.{i}.mlp.up.{p}"),
        ("model.layers.{i}.mlp.down_proj.{p}", "blocks.{i}.mlp.down.{p}"),
        ("model.norm.weight", "norm.weight"),
        ("lm_head.weight", "head.weight"),
    ];

    /// <summary>
    /// Hugging Face Llama/Qwen2/Qwen3/Mistral names (<c>model.embed_tokens.weight</c>,
    /// <c>model.layers.N.self_attn.{q,k,v,o}_proj.{weight,bias}</c>, <c>self_attn.{q,k}_norm</c>,
    /// <c>input_layernorm</c>, <c>post_attention_layernorm</c>, <c>mlp.{gate,up,down}_proj</c>,
    /// <c>model.norm.weight</c>, <c>lm_head.weight</c>) to ours. Rotary buffers (<c>rotary_emb.inv_freq</c>) are dropped.
    /// </summary>
    public static WeightNameMap HuggingFace { get; } = Build(HuggingFacePairs.Select(p => (p.HuggingFace, p.Ours)))
        .Add(@"model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq", "");

    /// <summary>Our names to Hugging Face's (the inverse of <see cref="HuggingFace"/>), for export.</summary>
    public static WeightNameMap ToHuggingFace { get; } = Build(HuggingFacePairs.Select(p => (p.Ours, p.HuggingFace)));

    /// <summary>The Hugging Face map under its former name.</summary>
    public static WeightNameMap Llama => HuggingFace;

    // "{i}" and "{p}" placeholders → named groups in the pattern and substitutions in the replacement.
    private static WeightNameMap Build(IEnumerable<(string From, string To)> pairs)
    {
        var map = new WeightNameMap();
        foreach (var (from, to) in pairs)
            map.Add(Regex.Escape(from).Replace(@"\{i}", @"(?<i>\d+)").Replace(@"\{p}", "(?<p>weight|bias)"),
                    to.Replace("{i}", "${i}").Replace("{p}", "${p}"));
        return map;
    }

    /// <summary>A copy of this map that first drops the weights matching <paramref name="pattern"/>.</summary>
    public WeightNameMap Ignoring(string pattern)
    {
        var map = new WeightNameMap().Add(pattern, "");
        map.rules.AddRange(rules);
        return map;
    }

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
