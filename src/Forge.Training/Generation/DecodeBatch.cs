using Forge.Training.Model;
using static TorchSharp.torch;

namespace Forge.Training.Generation;

/// <summary>
/// Continuous batching: sequences join a running decode batch between two steps and leave when they end, each step
/// drawing one token for every sequence in one forward pass. The prompts of sequences that join at the same step are
/// prefilled together (<see cref="PromptPrefill"/>: a prefix they share runs once, then the rest in one forward pass,
/// left-padded, the padding masked) and their keys and values copied into free rows of the shared cache, right-aligned to
/// the shared write position, without the padding; the key mask marks its real columns, so positions count from its own
/// first token and it never sees padding (a sequence's tokens do not depend on what else is in the batch, up to float
/// rounding). Every sequence samples from its own seeded generator (<see cref="RowSampler"/>). Rows stay packed (a leaving row's slot takes the last row), and when the write position
/// reaches the capacity every row's columns are shifted left past the padding no row needs.
/// Not thread-safe: one thread owns a batch.
/// </summary>
public sealed class DecodeBatch : IDisposable
{
    private readonly CausalTransformer _model;
    private readonly KvCache _cache;
    private readonly Tensor _keyMask;     // [R, C] bool: true at a row's real columns
    private readonly Tensor _lastLogits;  // [R, V] float32: each row's logits for its next token
    private readonly List<DecodeRow> _rows = [];
    private int _head;                    // the shared write position: the next fed token goes to this column

    /// <summary>Fewest unused leading columns worth a shift (a shift copies every row's keys and values).</summary>
    private const int MinShift = 32;

    /// <summary>A batch of up to <paramref name="maxRows"/> sequences over <paramref name="capacity"/> cache positions (≤ the model's context).</summary>
    public DecodeBatch(CausalTransformer model, int maxRows, int capacity)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, model.Config.MaxSeqLen);
        MaxRows = maxRows;
        Capacity = capacity;
        model.eval();
        _cache = new KvCache(model.Config, maxRows, capacity, model.Device, model.DType);
        _keyMask = zeros([maxRows, capacity], ScalarType.Bool, model.Device).DetachFromDisposeScope();
        _lastLogits = zeros([maxRows, model.Config.VocabSize], ScalarType.Float32, model.Device).DetachFromDisposeScope();
    }

    /// <summary>Most sequences at once.</summary>
    public int MaxRows { get; }

    /// <summary>Most positions one sequence may span (prompt + new tokens).</summary>
    public int Capacity { get; }

    /// <summary>Sequences in the batch now.</summary>
    public int Count => _rows.Count;

    /// <summary>The shared write position: columns every step attends over.</summary>
    internal int WritePosition => _head;

    /// <summary>True when no sequence can join.</summary>
    public bool IsFull => _rows.Count == MaxRows;

    /// <summary>Prefills <paramref name="request"/>'s prompt and adds it; its first token comes with the next <see cref="Step"/>.</summary>
    public DecodeRow Add(DecodeRequest request) => AddRange([request])[0];

    /// <summary>
    /// Prefills the prompts of <paramref name="requests"/> together and adds them: the leading tokens they all share run
    /// once, then their own tokens in one forward pass, left-padded to the longest (<see cref="PromptPrefill"/>: the key
    /// mask hides the padding and positions count from each prompt's first token). Their first tokens come with the next
    /// <see cref="Step"/>. Nothing is added when any request is invalid.
    /// </summary>
    public IReadOnlyList<DecodeRow> AddRange(IReadOnlyList<DecodeRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (requests.Count == 0) return [];
        foreach (var request in requests)
        {
            ArgumentNullException.ThrowIfNull(request, nameof(requests));
            Validate(request);
        }
        if (_rows.Count + requests.Count > MaxRows)
            throw new InvalidOperationException($"the decode batch has room for {MaxRows - _rows.Count} more rows, not {requests.Count} ({MaxRows} rows).");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var j = requests.Count;
        var prompts = new PromptPrefill([.. requests.Select(r => r.Prompt)]);
        var width = prompts.Width;
        using var prefill = new KvCache(_model.Config, j, width, _model.Device, _model.DType);
        var mask = j == 1 ? null : tensor(prompts.KeyMask(width), [j, width], device: _model.Device);   // [J, P]
        var logits = prompts.Run(_model, prefill, mask);                                                  // [J, V]
        if (_head < width) ShiftColumns(width - _head);                                                  // room on the left
        var added = new List<DecodeRow>(j);
        for (var i = 0; i < j; i++)
        {
            var request = requests[i];
            var p = request.Prompt.Count;
            var row = new DecodeRow(request, new RowSampling(request.Temperature, request.TopP, RowSampler.Seeded(request.Seed)))
            {
                Slot = _rows.Count, Start = _head - p,
            };
            // [prefix | padding | own tokens] in the prefill cache; the same columns without the padding in the batch's
            var shared = prompts.Shared;
            if (shared > 0) _cache.CopyRow(prefill, i, 0, shared, row.Slot, row.Start);
            _cache.CopyRow(prefill, i, shared + prompts.Padding(i), p - shared, row.Slot, row.Start + shared);
            _keyMask[row.Slot].fill_(false);
            _keyMask[row.Slot].narrow(0, row.Start, p).fill_(true);
            _lastLogits[row.Slot].copy_(logits[i]);
            _rows.Add(row);
            added.Add(row);
        }
        return added;
    }

    /// <summary>
    /// Draws one token for every sequence and feeds it to those that go on. A sequence that samples a stop token or
    /// reaches its budget ends (<see cref="DecodeRow.Finished"/>) and leaves the batch.
    /// </summary>
    public IReadOnlyList<(DecodeRow Row, DecodedToken Token)> Step()
    {
        if (_rows.Count == 0) return [];
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var n = _rows.Count;
        var (tokens, logProbs, vocabulary) = RowSampler.Sample(_lastLogits.narrow(0, 0, n), [.. _rows.Select(r => r.Sampling)]); // [n], [n], [n, V]
        var k = _rows.Max(r => r.Request.TopLogProbs);
        var tokenIds = tokens.cpu().data<long>().ToArray();
        var tokenLogProbs = logProbs.cpu().data<float>().ToArray();
        float[] topValues = [];
        long[] topIds = [];
        if (k > 0)
        {
            var (values, indices) = vocabulary.topk(Math.Min(k, (int)vocabulary.shape[1]), dim: -1);         // [n, k] each
            k = (int)values.shape[1];
            topValues = values.cpu().data<float>().ToArray();
            topIds = indices.cpu().data<long>().ToArray();
        }

        var output = new List<(DecodeRow, DecodedToken)>(n);
        var rows = _rows.ToList();
        for (var i = 0; i < n; i++)
        {
            var row = rows[i];
            var id = (int)tokenIds[i];
            var top = Enumerable.Range(0, Math.Min(k, row.Request.TopLogProbs)).Select(j => ((int)topIds[i * k + j], topValues[i * k + j])).ToList();
            output.Add((row, new DecodedToken(id, tokenLogProbs[i], top)));
            row.Generated++;
            if (row.Request.StopTokens.Contains(id)) row.Finished = FinishReason.Stop;
            else if (row.Generated >= row.Request.MaxNewTokens) row.Finished = FinishReason.Length;
        }
        var going = rows.Select((r, i) => (r, id: tokenIds[i])).Where(x => x.r.Finished is null).ToList();
        foreach (var row in rows.Where(r => r.Finished is not null).OrderByDescending(r => r.Slot)) Remove(row);   // the last first: no row moves when the batch's tail ends
        if (going.Count > 0) Feed([.. going.OrderBy(x => x.r.Slot).Select(x => x.id)]);
        return output;
    }

    /// <summary>Takes <paramref name="row"/> out of the batch (it ended, or its client went away); its slot is free at once.</summary>
    public void Remove(DecodeRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (row.Slot < 0) return;
        var last = _rows.Count - 1;
        if (row.Slot != last)
        {
            var moved = _rows[last];
            _cache.MoveRow(last, row.Slot, _head);
            _keyMask[row.Slot].copy_(_keyMask[last]);
            _lastLogits[row.Slot].copy_(_lastLogits[last]);
            moved.Slot = row.Slot;
            _rows[row.Slot] = moved;
        }
        _rows.RemoveAt(last);
        row.Slot = -1;
        row.Sampling.Rng.Dispose();
        if (_rows.Count == 0)
        {
            _head = 0;
            _cache.SetLength(0);
            _keyMask.fill_(false);
        }
    }

    // Feeds each packed row's token (ids in slot order) at the shared write position. Every step attends over all columns
    // up to the write position, so the columns left of the oldest row's first token are shifted away once they are as
    // many as the columns in use (or no column is left): each step then attends over at most twice what the rows need.
    private void Feed(long[] ids)
    {
        var span = _rows.Max(r => _head - r.Start);
        var unused = _head - span;
        if (_head == Capacity || unused >= Math.Max(MinShift, span)) ShiftColumns(-unused);
        var m = ids.Length;
        _keyMask.narrow(0, 0, m).select(1, _head).fill_(true);
        using var view = _cache.Rows(m);
        var input = tensor(ids, [m, 1], device: _model.Device);                                            // [m, 1]
        var logits = _model.Forward(input, view, _keyMask.narrow(0, 0, m).narrow(1, 0, _head + 1));        // [m, 1, V]
        _lastLogits.narrow(0, 0, m).copy_(logits.select(1, -1));
        _head++;
        _cache.Advance(1);
    }

    // Moves every row's columns by delta (right when positive), keeping the key mask and the rows' starts in step.
    private void ShiftColumns(int delta)
    {
        if (delta == 0) return;
        var count = delta > 0 ? _head : _head + delta;
        var from = delta > 0 ? 0 : -delta;
        var to = delta > 0 ? delta : 0;
        if (count > 0)
        {
            _cache.ShiftColumns(from, to, count);
            _keyMask.narrow(1, to, count).copy_(_keyMask.narrow(1, from, count).clone());
        }
        if (delta > 0) _keyMask.narrow(1, 0, delta).fill_(false);
        else _keyMask.narrow(1, count, -delta).fill_(false);
        foreach (var row in _rows) row.Start += delta;
        _head += delta;
        _cache.SetLength(_head);
    }

    private void Validate(DecodeRequest r)
    {
        var p = r.Prompt?.Count ?? 0;
        if (p == 0) throw new ArgumentException("the prompt is empty; give at least one token.");
        if (r.MaxNewTokens < 1) throw new ArgumentException($"max_new_tokens must be ≥ 1 (got {r.MaxNewTokens}).");
        if (p + r.MaxNewTokens > Capacity)
            throw new ArgumentException($"the prompt has {p} tokens and asks for {r.MaxNewTokens} more; the batch holds {Capacity} positions per sequence.");
        foreach (var id in r.Prompt!.Concat(r.StopTokens))
            if (id < 0 || id >= _model.Config.VocabSize)
                throw new ArgumentException($"token id {id} is outside the vocabulary (size {_model.Config.VocabSize}).");
        if (!(r.TopP > 0 && r.TopP <= 1)) throw new ArgumentException($"top_p must be in (0, 1] (got {r.TopP}).");
        if (r.TopLogProbs < 0) throw new ArgumentException($"top_logprobs must be ≥ 0 (got {r.TopLogProbs}).");
    }

    /// <summary>Frees the cache and every row's generator.</summary>
    public void Dispose()
    {
        foreach (var row in _rows) row.Sampling.Rng.Dispose();
        _rows.Clear();
        _cache.Dispose();
        _keyMask.Dispose();
        _lastLogits.Dispose();
    }
}
