using Forge.Training.Model;
using static TorchSharp.torch;

namespace Forge.Training.Generation;

/// <summary>
/// The prompts of a batch laid out for one prefill pass, and the pass itself. Every row is
/// <c>[shared prefix | left padding | the row's own prompt tokens]</c>, <see cref="Width"/> columns wide: the leading
/// tokens all prompts have in common (an agent's system prompt and tool list) run once, on one row, and their keys and
/// values are copied into every row; then the rows' own tokens run together, the padding masked. Positions count over
/// real tokens only, so a row computes what it would alone (up to float rounding). Used by <see cref="Generator"/> and
/// by <see cref="DecodeBatch"/> for the rows that join at one step.
/// </summary>
internal sealed class PromptPrefill
{
    private readonly IReadOnlyList<IReadOnlyList<int>> _prompts;

    /// <summary>Lays out <paramref name="prompts"/> (each at least one token); <paramref name="sharePrefix"/> false runs every row's whole prompt.</summary>
    public PromptPrefill(IReadOnlyList<IReadOnlyList<int>> prompts, bool sharePrefix = true)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        if (prompts.Count == 0) throw new ArgumentException("no prompts to prefill.", nameof(prompts));
        _prompts = prompts;
        Shared = sharePrefix ? SharedLength(prompts) : 0;
        Width = prompts.Max(p => p.Count);
    }

    /// <summary>Rows.</summary>
    public int Rows => _prompts.Count;

    /// <summary>L: leading tokens every prompt shares, run once (0 = none).</summary>
    public int Shared { get; }

    /// <summary>P: columns of a row (L + the widest own part).</summary>
    public int Width { get; }

    /// <summary>Columns of left padding between the shared prefix and row <paramref name="row"/>'s own tokens.</summary>
    public int Padding(int row) => Width - _prompts[row].Count;

    /// <summary>
    /// How many leading tokens all <paramref name="prompts"/> have in common, kept one short of the shortest prompt so that
    /// every row prefills at least one token of its own. 0 for a single prompt.
    /// </summary>
    public static int SharedLength(IReadOnlyList<IReadOnlyList<int>> prompts) =>
        prompts.Count < 2 ? 0 : CommonPrefix.Length(prompts, prompts.Min(p => p.Count) - 1);

    /// <summary>The key mask of <paramref name="columns"/> (≥ <see cref="Width"/>) columns per row, on the host: true at the prompt's real columns.</summary>
    public bool[] KeyMask(int columns)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, Width);
        var mask = new bool[Rows * columns];
        for (var i = 0; i < Rows; i++)
        {
            for (var c = 0; c < Shared; c++) mask[i * columns + c] = true;
            for (var c = Shared + Padding(i); c < Width; c++) mask[i * columns + c] = true;
        }
        return mask;
    }

    /// <summary>
    /// Runs the prompts into the empty <paramref name="cache"/> (<see cref="Rows"/> rows; it then holds <see cref="Width"/>
    /// positions) and returns every row's logits for its next token [B, V]. <paramref name="keyMask"/> is [B, ≥ P] with
    /// <see cref="KeyMask"/>'s first P columns; null only for one row without padding or prefix (plain causal attention).
    /// </summary>
    public Tensor Run(CausalTransformer model, KvCache cache, Tensor? keyMask)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(cache);
        if (keyMask is null && (Rows > 1 || Shared > 0))
            throw new ArgumentException("a key mask is needed for more than one row or a shared prefix.", nameof(keyMask));
        using var scope = NewDisposeScope();
        var device = model.Device;
        var own = Width - Shared;
        var ids = new long[Rows * own];
        for (var i = 0; i < Rows; i++)
        {
            var prompt = _prompts[i];
            var offset = Width - prompt.Count;
            for (var j = Shared; j < prompt.Count; j++) ids[i * own + offset + j - Shared] = prompt[j];
        }
        if (Shared > 0)
        {
            using var prefixCache = new KvCache(model.Config, 1, Shared, device, model.DType);
            var prefix = tensor(_prompts[0].Take(Shared).Select(x => (long)x).ToArray(), [1, Shared], device: device);   // [1, L]
            model.Forward(prefix, prefixCache).Dispose();
            cache.CopyPrefixFrom(prefixCache);                                                                       // every row's first L positions
        }
        var input = tensor(ids, [Rows, own], device: device);                                                         // [B, P−L]
        var logits = model.Forward(input, cache, keyMask?.narrow(1, 0, Width));                                       // [B, P−L, V]
        return logits.select(1, -1).MoveToOuterDisposeScope();                                                        // [B, V]
    }
}
