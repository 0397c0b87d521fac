using static TorchSharp.torch;

namespace Forge.Training.Model;

/// <summary>
/// Row and column moves for continuous batching (<see cref="Generation.DecodeBatch"/>): rows come and go while the
/// cache's write position is shared, so rows are copied in from a prefill cache, moved down when one leaves, and every
/// row's columns shifted when the shared position needs room.
/// </summary>
public sealed partial class KvCache
{
    private KvCache(Tensor[] keys, Tensor[] values, long batch, int capacity, int length)
    {
        this.keys = keys;
        this.values = values;
        Batch = batch;
        Capacity = capacity;
        Length = length;
    }

    /// <summary>A view of the first <paramref name="rows"/> rows sharing this cache's memory and length; dispose it after the forward pass, then <see cref="Advance"/> this cache.</summary>
    internal KvCache Rows(int rows) => new(
        [.. keys.Select(k => k.narrow(0, 0, rows))], [.. values.Select(v => v.narrow(0, 0, rows))], rows, Capacity, Length);

    /// <summary>Sets the shared write position (after columns were shifted).</summary>
    internal void SetLength(int length) => Length = length;

    /// <summary>Copies <paramref name="source"/>'s row 0 (its first <c>source.Length</c> positions) into row <paramref name="row"/> at columns from <paramref name="at"/>.</summary>
    internal void CopyRow(KvCache source, int row, int at) => CopyRow(source, 0, 0, source.Length, row, at);

    /// <summary>
    /// Copies columns [<paramref name="from"/>, from + <paramref name="count"/>) of <paramref name="source"/>'s row
    /// <paramref name="sourceRow"/> into row <paramref name="row"/> at columns from <paramref name="at"/>.
    /// </summary>
    internal void CopyRow(KvCache source, int sourceRow, int from, int count, int row, int at)
    {
        using var noGrad = no_grad();
        for (var layer = 0; layer < keys.Length; layer++)
        {
            keys[layer][row].narrow(1, at, count).copy_(source.keys[layer][sourceRow].narrow(1, from, count));
            values[layer][row].narrow(1, at, count).copy_(source.values[layer][sourceRow].narrow(1, from, count));
        }
    }

    /// <summary>Copies the first <paramref name="columns"/> columns of row <paramref name="from"/> over row <paramref name="to"/> (the columns after them are never read).</summary>
    internal void MoveRow(int from, int to, int columns)
    {
        using var noGrad = no_grad();
        for (var layer = 0; layer < keys.Length; layer++)
        {
            keys[layer][to].narrow(1, 0, columns).copy_(keys[layer][from].narrow(1, 0, columns));
            values[layer][to].narrow(1, 0, columns).copy_(values[layer][from].narrow(1, 0, columns));
        }
    }

    /// <summary>Moves columns [<paramref name="from"/>, from + <paramref name="count"/>) of every row to start at <paramref name="to"/>.</summary>
    internal void ShiftColumns(int from, int to, int count)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        foreach (var t in keys.Concat(values))
            t.narrow(2, to, count).copy_(t.narrow(2, from, count).clone());
    }
}
