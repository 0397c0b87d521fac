using System.IO.MemoryMappedFiles;
using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Training.Checkpoints;

/// <summary>
/// A safetensors file opened for reading through a memory mapping: the header is parsed up front, and each tensor
/// is copied straight from the mapped bytes into a destination tensor (any dtype, any device), chunk by chunk. Only
/// the chunk being copied is mapped at a time, so loading needs no second copy of the weights in memory.
/// </summary>
internal sealed unsafe class MappedSafetensors : IDisposable
{
    private readonly MemoryMappedFile file;
    private readonly long dataStart;

    private MappedSafetensors(string path, MemoryMappedFile file, IReadOnlyDictionary<string, Safetensors.Entry> tensors, long dataStart)
    {
        Path = path;
        this.file = file;
        Tensors = tensors;
        this.dataStart = dataStart;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The tensors in the header, by name.</summary>
    public IReadOnlyDictionary<string, Safetensors.Entry> Tensors { get; }

    /// <summary>Elements mapped and copied per step (a dtype conversion stages one chunk): 16 Mi, 32–64 MiB.</summary>
    internal long ChunkElements { get; set; } = 1L << 24;

    /// <summary>Parses the header; throws <see cref="InvalidDataException"/> naming the file when it is malformed.</summary>
    public static MappedSafetensors Open(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: safetensors file not found.", path);
        List<Safetensors.Entry> entries;
        long dataStart;
        using (var stream = File.OpenRead(path))
            (entries, dataStart) = Safetensors.ReadHeader(stream, path);
        var byName = new Dictionary<string, Safetensors.Entry>(StringComparer.Ordinal);
        foreach (var entry in entries)
            byName[entry.Name] = entry;
        var mapping = MemoryMappedFile.CreateFromFile(path, FileMode.Open, mapName: null, capacity: 0, MemoryMappedFileAccess.Read);
        return new MappedSafetensors(path, mapping, byName, dataStart);
    }

    /// <summary>Copies tensor <paramref name="name"/> into <paramref name="target"/> (same element count; contiguous), converting the dtype.</summary>
    public void CopyInto(string name, Tensor target)
    {
        var entry = Tensors[name];
        var count = entry.ElementCount;
        if (target.numel() != count)
            throw new ArgumentException($"{Path}: '{name}' holds {count} elements, the destination {target.numel()}.");
        if (!target.is_contiguous())
            throw new ArgumentException($"{Path}: '{name}': the destination must be contiguous.");
        if (count == 0)
            return;
        var elementSize = Safetensors.ElementSize(entry.DType);
        var direct = target.device_type == DeviceType.CPU && target.dtype == entry.DType;
        using var noGrad = no_grad();
        using var flat = target.view(-1);                                           // [N]
        for (long start = 0; start < count; start += ChunkElements)
        {
            var n = Math.Min(ChunkElements, count - start);
            var length = n * elementSize;
            // Map only this chunk: the pages read stay resident (and count against the process) only while mapped.
            using var view = file.CreateViewAccessor(dataStart + entry.Begin + start * elementSize, length, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            try
            {
                var bytes = new ReadOnlySpan<byte>(pointer + view.PointerOffset, checked((int)length));
                using var destination = flat.narrow(0, start, n);                   // [n], a view of the target
                if (direct)
                {
                    bytes.CopyTo(destination.bytes);
                    continue;
                }
                using var staging = empty([n], entry.DType);                        // [n] in the file's dtype, CPU
                bytes.CopyTo(staging.bytes);
                destination.copy_(staging);
            }
            finally
            {
                view.SafeMemoryMappedViewHandle.ReleasePointer();
            }
        }
    }

    public void Dispose() => file.Dispose();
}
