using System.Text;
using static TorchSharp.torch;

namespace Forge.Training.Checkpoints.Gguf;

/// <summary>
/// Writes a GGUF v3 file: the magic <c>GGUF</c>, the version, the tensor and metadata counts, the typed metadata
/// key/values, one info per tensor (name, dims innermost first, ggml type, offset into the data section), padding to
/// <see cref="Alignment"/>, then every tensor's bytes, each starting on an aligned offset. Tensors are produced one at
/// a time while writing, so a large model never needs a second full copy in memory. The file appears under its name
/// only once complete.
/// </summary>
internal sealed class GgufWriter
{
    /// <summary>Alignment of the data section and of every tensor in it (written as <c>general.alignment</c>).</summary>
    public const int Alignment = 32;

    private const uint Version = 3;

    // Elements written per step of one tensor.
    internal long ChunkElements { get; init; } = 1L << 26;

    private readonly List<(string Key, GgufValue Value)> metadata = [];
    private readonly List<PendingTensor> tensors = [];

    private sealed record PendingTensor(string Name, long[] Shape, GgmlType Type, Func<Tensor> Produce)
    {
        public long Bytes => Shape.Aggregate(1L, (a, d) => a * d) * (Type == GgmlType.F32 ? 4 : 2);
    }

    public GgufWriter() => Add("general.alignment", GgufValue.UInt32(Alignment));

    public IReadOnlyList<string> TensorNames => tensors.Select(t => t.Name).ToList();

    /// <summary>The value added under <paramref name="key"/>, or null.</summary>
    public GgufValue? Find(string key) => metadata.FirstOrDefault(m => m.Key == key).Value;

    /// <summary>Adds a metadata key (each key once).</summary>
    public GgufWriter Add(string key, GgufValue value)
    {
        if (metadata.Any(m => m.Key == key))
            throw new ArgumentException($"GGUF metadata key '{key}' is set twice.");
        metadata.Add((key, value));
        return this;
    }

    /// <summary>
    /// Adds a tensor of PyTorch-order <paramref name="shape"/> (outermost first); <paramref name="produce"/> returns
    /// it on the CPU, contiguous, in <paramref name="type"/>'s dtype, when the data section is written. The writer
    /// disposes what it returns.
    /// </summary>
    public GgufWriter AddTensor(string name, long[] shape, GgmlType type, Func<Tensor> produce)
    {
        if (tensors.Any(t => t.Name == name))
            throw new ArgumentException($"GGUF tensor '{name}' is added twice.");
        tensors.Add(new PendingTensor(name, shape, type, produce));
        return this;
    }

    /// <summary>Writes the file (through a sibling temp file, replaced into <paramref name="path"/> at the end).</summary>
    public void Write(string path)
    {
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full) ?? ".", $".{Path.GetFileName(full)}.writing-{Guid.NewGuid():N}");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            {
                WriteHeader(writer);
                WriteData(writer);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
                File.Delete(temp);
        }
    }

    private void WriteHeader(BinaryWriter writer)
    {
        writer.Write("GGUF"u8);
        writer.Write(Version);
        writer.Write((ulong)tensors.Count);
        writer.Write((ulong)metadata.Count);
        foreach (var (key, value) in metadata)
        {
            GgufValue.WriteString(writer, key);
            value.Write(writer);
        }
        long offset = 0;
        foreach (var t in tensors)
        {
            GgufValue.WriteString(writer, t.Name);
            writer.Write((uint)t.Shape.Length);
            foreach (var d in t.Shape.Reverse()) // GGUF lists ne[0] (the innermost, contiguous dim) first
                writer.Write((ulong)d);
            writer.Write((uint)t.Type);
            writer.Write((ulong)offset);
            offset = Align(offset + t.Bytes);
        }
        Pad(writer);
    }

    private void WriteData(BinaryWriter writer)
    {
        foreach (var t in tensors)
        {
            using var scope = NewDisposeScope();
            var tensor = t.Produce();
            if (!tensor.shape.SequenceEqual(t.Shape) || tensor.dtype != DType(t.Type))
                throw new InvalidOperationException(
                    $"GGUF tensor '{t.Name}': produced {tensor.dtype} [{string.Join(", ", tensor.shape)}], declared {t.Type} [{string.Join(", ", t.Shape)}].");
            using var flat = tensor.cpu().contiguous().view(-1); // [N]
            for (long start = 0; start < flat.shape[0]; start += ChunkElements) // Span<byte> holds < 2 GiB
            {
                using var chunk = flat.narrow(0, start, Math.Min(ChunkElements, flat.shape[0] - start));
                writer.Write(chunk.bytes);
            }
            Pad(writer);
        }
    }

    internal static ScalarType DType(GgmlType type) => type switch
    {
        GgmlType.F32 => ScalarType.Float32,
        GgmlType.F16 => ScalarType.Float16,
        GgmlType.BF16 => ScalarType.BFloat16,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    private static long Align(long n) => (n + Alignment - 1) / Alignment * Alignment;

    private static void Pad(BinaryWriter writer)
    {
        writer.Flush();
        var position = writer.BaseStream.Position;
        for (var i = position; i < Align(position); i++)
            writer.Write((byte)0);
    }
}
