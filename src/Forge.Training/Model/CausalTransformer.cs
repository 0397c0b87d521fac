using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Forge.Training.Model;

/// <summary>
/// A decoder-only transformer language model (LLaMA-style: RMSNorm, rotary positions with optional scaling,
/// grouped-query attention, SwiGLU or GELU MLP, optional q/k/v/output/MLP biases and per-head q/k norm, tied or
/// untied output head): Forge's own models and the Llama, Qwen2, Qwen3 and Mistral architectures. <c>forward(ids
/// [B, T]) → logits [B, T, V]</c> for training; <see cref="Forward"/> adds a KV cache and padding masks for
/// generation. Runs in the dtype of its parameters (float32, float16, bfloat16).
/// </summary>
/// <remarks>
/// Parameter names (state-dict keys): <c>embedding.weight</c>; <c>blocks.{i}.attentionNorm.weight</c>,
/// <c>blocks.{i}.attention.{query,key,value,output}.weight</c> (and <c>.bias</c> with qkv_bias/output_bias),
/// <c>blocks.{i}.attention.{queryNorm,keyNorm}.weight</c> (qk_norm), <c>blocks.{i}.mlpNorm.weight</c>,
/// <c>blocks.{i}.mlp.{gate,up,down}.weight</c> (and <c>.bias</c> with mlp_bias); <c>norm.weight</c>;
/// <c>head.weight</c> (untied only).
/// </remarks>
public sealed class CausalTransformer : nn.Module<Tensor, Tensor>
{
    private readonly Embedding embedding;
    private readonly ModuleList<Block> blocks;
    private readonly RmsNorm norm;
    private readonly Linear? head;
    private readonly float[] inverseFrequencies; // [hd/2] rotary frequencies, rescaled when the config says so

    /// <summary>
    /// Builds a freshly initialised model (weights ~ N(0, 0.02), residual projections scaled by 1/√(2·layers), norms 1).
    /// With <paramref name="seed"/> the weights come from a private generator (same seed → same weights, whatever
    /// else uses the global RNG); without it, from TorchSharp's global generator (<c>torch.manual_seed</c>).
    /// </summary>
    public CausalTransformer(TransformerConfig config, long? seed = null) : this(config, Placement.Default)
    {
        using var generator = seed is { } s ? new Generator((ulong)s) : null;
        Initialise(generator);
    }

    private CausalTransformer(TransformerConfig config, Placement at) : base(nameof(CausalTransformer))
    {
        Config = config.Validate();
        embedding = nn.Embedding(config.VocabSize, config.DModel, device: at.Device, dtype: at.DType);
        blocks = new ModuleList<Block>([.. Enumerable.Range(0, config.Layers).Select(_ => new Block(config, at))]);
        norm = new RmsNorm(config.DModel, config.NormEps, at);
        if (!config.TieEmbeddings)
            head = nn.Linear(config.DModel, config.VocabSize, hasBias: false, device: at.Device, dtype: at.DType);
        inverseFrequencies = Rotary.InverseFrequencies(config.HeadDim, config.RopeTheta, config.RopeScaling);
        RegisterComponents();
    }

    /// <summary>
    /// A model whose parameters are allocated directly in <paramref name="dtype"/> on <paramref name="device"/>
    /// and left as the layers' default initialisation: for weights about to be loaded (no float32 copy of the whole
    /// model first; the meta device gives a model with shapes and no memory).
    /// </summary>
    public static CausalTransformer ForLoading(TransformerConfig config, ScalarType dtype, Device device)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(device);
        if (!is_floating_point(dtype))
            throw new ArgumentException($"model dtype must be floating point (got {dtype}).");
        using var noGrad = no_grad();
        return new CausalTransformer(config, new Placement(dtype, device));
    }

    /// <summary>The model's shape.</summary>
    public TransformerConfig Config { get; }

    /// <summary>The device of the model's parameters.</summary>
    public Device Device => embedding.weight!.device;

    /// <summary>The dtype of the model's parameters (KV caches use it too).</summary>
    public ScalarType DType => embedding.weight!.dtype;

    /// <summary>
    /// Recompute each block's activations in the backward pass instead of keeping them (<see cref="BlockCheckpoint"/>).
    /// Applies to training forward passes that record gradients; the model must then have no dropout.
    /// </summary>
    public bool ActivationCheckpointing { get; set; }

    /// <summary>Training forward pass: causal attention over the whole sequence, positions 0..T−1.</summary>
    /// <param name="ids">[B, T] int64 token ids</param>
    /// <returns>logits [B, T, V]</returns>
    public override Tensor forward(Tensor ids) => Forward(ids);

    /// <summary>
    /// Forward pass with optional KV cache and key padding.
    /// </summary>
    /// <param name="ids">[B, T] int64 token ids of the new positions.</param>
    /// <param name="cache">When given, attends to the cached positions too and appends this step's keys/values.</param>
    /// <param name="keyMask">
    /// bool [B, S] with S = cached length + T: true for real tokens, false for (left) padding. Positions are then
    /// counted over real tokens only (a row's first real token has position 0), and padding is never attended to.
    /// The caller then keeps each row's real length within <c>max_seq_len</c>.
    /// </param>
    /// <returns>logits [B, T, V]</returns>
    public Tensor Forward(Tensor ids, KvCache? cache = null, Tensor? keyMask = null)
    {
        using var scope = NewDisposeScope();
        long b = ids.shape[0], t = ids.shape[1];
        var past = cache?.Length ?? 0;
        var total = past + t;
        // With a key mask the padded width may exceed max_seq_len while every row's own length stays within it.
        if (keyMask is null && total > Config.MaxSeqLen)
            throw new ArgumentException($"sequence of {total} tokens exceeds the model's max_seq_len {Config.MaxSeqLen}.");
        if (keyMask is not null && (keyMask.shape.Length != 2 || keyMask.shape[0] != b || keyMask.shape[1] != total))
            throw new ArgumentException($"keyMask must be [B={b}, S={total}], got [{string.Join(", ", keyMask.shape)}].");

        var positions = keyMask is null
            ? arange(past, total, ScalarType.Int64, ids.device).unsqueeze(0)                          // [1, T]
            : (keyMask.to_type(ScalarType.Int64).cumsum(-1) - 1).clamp_min(0).narrow(1, past, t);     // [B, T]
        var rotary = RotaryAt(positions);
        var (mask, causal) = AttentionMask(t, past, keyMask, cache is not null, ids.device);

        var x = embedding.call(ids); // [B, T, C]
        var checkpointed = ActivationCheckpointing && training && cache is null && is_grad_enabled();
        for (var i = 0; i < blocks.Count; i++)
            x = checkpointed
                ? BlockCheckpoint.Run(blocks[i], x, positions, RotaryAt, mask, causal, i)
                : blocks[i].Forward(x, rotary, mask, causal, cache, i);
        cache?.Advance((int)t);
        x = norm.call(x);
        return Head(x).MoveToOuterDisposeScope(); // [B, T, V]
    }

    /// <summary>
    /// Training forward pass for right-padded rows that all begin with the same <paramref name="sharedPrefix"/> tokens (an
    /// agent's system prompt and tool list): the prefix runs once, on the first row, and every row's later positions
    /// attend to its keys and values. The logits are <c>forward(ids)</c>'s (up to float rounding) and so are the
    /// gradients — the prefix's flow back summed over the rows — for about (L + B·(T − L)) / (B·T) of the compute.
    /// With <paramref name="lengths"/> (each row's real length; positions after it are padding, whose logits the caller
    /// ignores) the rows' own tokens are packed into one sequence, each attending to the prefix and causally to its own
    /// row only, when that costs less than running the padding (<see cref="PackingPays"/>): rows of mixed lengths then
    /// cost their real tokens, not the longest row's. Padding positions then carry some real position's logits.
    /// Falls back to <see cref="forward"/> when there is nothing to share (L &lt; 1, one row, no position after the
    /// prefix) and where one pass for all rows would not be the same computation: dropout in training (one mask for
    /// every row), activation checkpointing, and a model not in float32 (the rows' prefix gradients would be summed in
    /// bf16 or fp16 before they reach the weights, rounding differently from a plain batch by ~1e-2).
    /// </summary>
    /// <param name="ids">[B, T] int64 token ids; every row's first <paramref name="sharedPrefix"/> ids are row 0's.</param>
    /// <param name="sharedPrefix">L, how many leading ids the rows share (the caller has checked they do).</param>
    /// <param name="lengths">Each row's real length (at least L), or null: every position is computed.</param>
    /// <returns>logits [B, T, V]</returns>
    public Tensor ForwardSharedPrefix(Tensor ids, int sharedPrefix, IReadOnlyList<int>? lengths = null)
    {
        ArgumentNullException.ThrowIfNull(ids);
        long b = ids.shape[0], t = ids.shape[1];
        var sharing = sharedPrefix >= 1 && b > 1 && sharedPrefix < t && DType == ScalarType.Float32
            && !(training && (Config.Dropout > 0 || ActivationCheckpointing));
        if (!sharing) return Forward(ids);
        if (t > Config.MaxSeqLen)
            throw new ArgumentException($"sequence of {t} tokens exceeds the model's max_seq_len {Config.MaxSeqLen}.");
        if (lengths is not null && (lengths.Count != b || lengths.Any(n => n < sharedPrefix || n > t)))
            throw new ArgumentException($"lengths must give each of the {b} rows a length between the shared prefix {sharedPrefix} and the width {t}.");
        using var scope = NewDisposeScope();
        var earlier = new SharedPrefixKeys(blocks.Count);

        // ── the prefix, once: [1, L] ──
        var prefix = embedding.call(ids.narrow(0, 0, 1).narrow(1, 0, sharedPrefix));                 // [1, L, C]
        var prefixRotary = RotaryAt(arange(0, sharedPrefix, ScalarType.Int64, ids.device).unsqueeze(0));
        for (var i = 0; i < blocks.Count; i++)
            prefix = blocks[i].Forward(prefix, prefixRotary, null, causal: true, earlier, i);
        earlier.Recording = false;
        var prefixLogits = Head(norm.call(prefix));                                                     // [1, L, V]

        var own = t - sharedPrefix;
        var ownLogits = lengths is not null && PackingPays(b, own, sharedPrefix, lengths.Sum() - b * sharedPrefix)
            ? PackedOwnLogits(ids, sharedPrefix, lengths, earlier)
            : PaddedOwnLogits(ids, sharedPrefix, earlier);                                              // [B, T−L, V]
        var logits = cat([prefixLogits.expand(b, -1, -1), ownLogits], 1);                              // [B, T, V]
        return logits.MoveToOuterDisposeScope();
    }

    // Every row's own positions L..T−1, padding included, attending to the prefix and causally to themselves: [B, T−L, V].
    private Tensor PaddedOwnLogits(Tensor ids, int sharedPrefix, SharedPrefixKeys earlier)
    {
        long t = ids.shape[1];
        var queryPos = arange(sharedPrefix, t, ScalarType.Int64, ids.device).unsqueeze(1);               // [T−L, 1]
        var keyPos = arange(0, t, ScalarType.Int64, ids.device).unsqueeze(0);                           // [1, T]
        var mask = keyPos.le(queryPos).unsqueeze(0).unsqueeze(0);                                       // [1, 1, T−L, T]
        var x = embedding.call(ids.narrow(1, sharedPrefix, t - sharedPrefix));                          // [B, T−L, C]
        var rotary = RotaryAt(queryPos.squeeze(1).unsqueeze(0));
        for (var i = 0; i < blocks.Count; i++)
            x = blocks[i].Forward(x, rotary, mask, causal: false, earlier, i);
        return Head(norm.call(x));
    }

    // The rows' real own tokens packed into one sequence of N: each sees the prefix and the earlier tokens of its own row
    // (positions L, L+1, … as in its row), then the logits go back to their rows' places; padding gets position 0's.
    private Tensor PackedOwnLogits(Tensor ids, int sharedPrefix, IReadOnlyList<int> lengths, SharedPrefixKeys earlier)
    {
        long b = ids.shape[0], t = ids.shape[1];
        var own = (int)(t - sharedPrefix);
        var n = lengths.Sum() - (int)b * sharedPrefix;
        var gather = new long[n];        // [N] where each packed token sits in ids viewed as [B·T]
        var row = new long[n];           // [N] its row
        var local = new long[n];         // [N] its position after the prefix
        var scatter = new long[b * own]; // [B·(T−L)] where each row position's logits are in the packed sequence (padding: 0)
        for (int i = 0, k = 0; i < b; i++)
            for (var j = 0; j < lengths[i] - sharedPrefix; j++, k++)
            {
                gather[k] = i * t + sharedPrefix + j;
                row[k] = i;
                local[k] = j;
                scatter[i * own + j] = k;
            }
        var device = ids.device;
        var rows = tensor(row, device: device);
        var locals = tensor(local, device: device);
        var sameRowBefore = rows.unsqueeze(1).eq(rows.unsqueeze(0)).logical_and(locals.unsqueeze(0).le(locals.unsqueeze(1)));   // [N, N]
        var mask = cat([ones([n, sharedPrefix], ScalarType.Bool, device), sameRowBefore], 1).unsqueeze(0).unsqueeze(0);      // [1, 1, N, L+N]
        var x = embedding.call(ids.reshape(-1).index_select(0, tensor(gather, device: device)).unsqueeze(0));                  // [1, N, C]
        var rotary = RotaryAt((locals + sharedPrefix).unsqueeze(0));                                                          // positions [1, N]
        for (var i = 0; i < blocks.Count; i++)
            x = blocks[i].Forward(x, rotary, mask, causal: false, earlier, i);
        return Head(norm.call(x)).squeeze(0).index_select(0, tensor(scatter, device: device)).view(b, own, -1);                 // [B, T−L, V]
    }

    /// <summary>
    /// Whether packing N real own tokens costs less than running B rows of T−L own positions, padding included: per
    /// token and layer the projections cost about twice the block's weights in FLOPs and attention 4·H·hd per key seen
    /// (L + T−L padded, L + N packed, since packed attention is dense over all rows).
    /// </summary>
    internal bool PackingPays(long rows, long ownWidth, long sharedPrefix, long packed)
    {
        if (packed < 1) return false;
        long d = Config.DModel, q = (long)Config.Heads * Config.HeadDim, kv = (long)Config.KvHeadCount * Config.HeadDim;
        var projections = 2.0 * (d * q + 2 * d * kv + q * d + (Config.Mlp == MlpKind.SwiGlu ? 3 : 2) * d * Config.FfHidden);
        double Cost(long tokens, long keys) => tokens * (projections + 4.0 * q * keys);
        return Cost(packed, sharedPrefix + packed) < 0.9 * Cost(rows * ownWidth, sharedPrefix + ownWidth);
    }

    private Tensor Head(Tensor x) => head is null ? F.linear(x, embedding.weight!) : head.call(x);   // [.., C] → [.., V]

    private Rotary RotaryAt(Tensor positions) => new(positions, tensor(inverseFrequencies, device: positions.device));

    /// <summary>A new model with the same config, dtype and weights, on <paramref name="device"/> (default: this model's).</summary>
    /// <remarks>For a frozen reference policy, or a rollout copy that generates while this one trains.</remarks>
    public CausalTransformer Clone(Device? device = null)
    {
        var copy = ForLoading(Config, DType, device ?? Device);
        copy.CopyWeightsFrom(this);
        return copy;
    }

    /// <summary>Overwrites this model's weights with <paramref name="source"/>'s (same config; devices may differ).</summary>
    public void CopyWeightsFrom(CausalTransformer source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Config != Config)
            throw new ArgumentException("cannot copy weights between models of different configs.");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var from = source.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, parameter) in named_parameters())
            parameter.copy_(from[name]);
    }

    /// <summary>
    /// The attention mask for T new queries after <paramref name="past"/> cached keys. Plain training needs none
    /// (is_causal); one decoded token without padding needs none either. Otherwise a bool [B|1, 1, T, S] mask:
    /// key j visible to query i iff j ≤ past + i and key j is real. A query always sees itself, so rows of
    /// padding never have every key masked (which would make NaNs).
    /// </summary>
    private static (Tensor? Mask, bool Causal) AttentionMask(long t, long past, Tensor? keyMask, bool cached, Device device)
    {
        if (keyMask is null && !cached)
            return (null, true);
        if (keyMask is null && t == 1)
            return (null, false);
        var total = past + t;
        var queryPos = arange(past, total, ScalarType.Int64, device).unsqueeze(1); // [T, 1]
        var keyPos = arange(0, total, ScalarType.Int64, device).unsqueeze(0);      // [1, S]
        var mask = keyPos.le(queryPos).unsqueeze(0).unsqueeze(0);                  // [1, 1, T, S]
        if (keyMask is not null)
            mask = mask.logical_and(keyMask.to_type(ScalarType.Bool).unsqueeze(1).unsqueeze(1))   // [B, 1, T, S]
                       .logical_or(keyPos.eq(queryPos).unsqueeze(0).unsqueeze(0));
        return (mask, false);
    }

    // nn.init.normal_ ignores a generator in this TorchSharp build, so draw with randn and copy.
    private static void Normal(Tensor weight, double std, Generator? generator)
    {
        using var draw = randn(weight.shape, ScalarType.Float32, generator: generator);
        weight.copy_(draw.mul_(std));
    }

    private void Initialise(Generator? generator)
    {
        using var _ = no_grad();
        var residualStd = 0.02 / Math.Sqrt(2.0 * Config.Layers);
        foreach (var (name, parameter) in named_parameters())
        {
            if (name.EndsWith("Norm.weight", StringComparison.Ordinal) || name == "norm.weight")
                continue; // norms start at 1
            if (name.EndsWith(".bias", StringComparison.Ordinal))
                parameter.zero_(); // biases start at 0
            else
                Normal(parameter, 0.02, generator);
        }
        foreach (var block in blocks)
            foreach (var projection in block.ResidualProjections)
                Normal(projection.weight!, residualStd, generator);
    }
}
