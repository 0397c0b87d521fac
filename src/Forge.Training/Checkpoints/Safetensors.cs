using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Training.Checkpoints;

/// <summary>
/// Reader and writer of the safetensors format: an 8-byte little-endian header length, a JSON header
/// (<c>{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}</c>), then the
/// raw little-endian tensor bytes.
/// </summary>
public static class Safetensors
{
    private const long MaxHeaderBytes = 100_000_000;

    private static readonly Dictionary<string, ScalarType> DTypes = new()
    {
        ["F64"] = ScalarType.Float64, ["F32"] = ScalarType.Float32, ["F16"] = ScalarType.Float16,
        ["BF16"] = ScalarType.BFloat16, ["I64"] = ScalarType.Int64, ["I32"] = ScalarType.Int32,
        ["I16"] = ScalarType.Int16, ["I8"] = ScalarType.Int8, ["U8"] = ScalarType.Byte, ["BOOL"] = ScalarType.Bool,
    };

    /// <summary>Writes <paramref name="tensors"/> (any device; copied to CPU) with optional string metadata.</summary>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var names = tensors.Keys.Order(StringComparer.Ordinal).ToList();
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
            header["__metadata__"] = new JsonObject(metadata.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
        long offset = 0;
        foreach (var name in names)
        {
            var t = tensors[name];
            var size = t.numel() * t.ElementSize;
            header[name] = new JsonObject
            {
                ["dtype"] = DTypeName(t.dtype, name),
                ["shape"] = new JsonArray([.. t.shape.Select(d => (JsonNode?)d)]),
                ["data_offsets"] = new JsonArray(offset, offset + size),
            };
            offset += size;
        }
        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        var padding = (8 - headerBytes.Length % 8) % 8; // keep tensor data 8-byte aligned, as the reference writer does
        using var stream = File.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)(headerBytes.Length + padding));
        stream.Write(length);
        stream.Write(headerBytes);
        for (var i = 0; i < padding; i++)
            stream.WriteByte((byte)' ');
        foreach (var name in names)
        {
            using var scope = NewDisposeScope();
            var cpuTensor = tensors[name].detach().cpu().contiguous();
            stream.Write(cpuTensor.bytes);
        }
    }

    /// <summary>
    /// Reads every tensor (CPU; the caller owns and disposes them). Throws <see cref="InvalidDataException"/> naming
    /// the file and the JSON path of the first problem.
    /// </summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: safetensors file not found.", path);
        using var stream = File.OpenRead(path);
        var (entries, dataStart) = ReadHeader(stream, path);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var entry in entries.OrderBy(e => e.Begin))
            {
                stream.Position = dataStart + entry.Begin;
                var bytes = new byte[entry.End - entry.Begin];
                stream.ReadExactly(bytes);
                var t = empty(entry.Shape, entry.DType);
                if (bytes.Length > 0)
                    t.bytes = bytes;
                result[entry.Name] = t;
            }
        }
        catch
        {
            foreach (var t in result.Values)
                t.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>The string metadata of a file (empty when it has none).</summary>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        using var stream = File.OpenRead(path);
        var header = ParseHeader(stream, path);
        return header["__metadata__"] is JsonObject m
            ? m.ToDictionary(kv => kv.Key, kv => kv.Value?.GetValue<string>() ?? "")
            : new Dictionary<string, string>();
    }

    /// <summary>One tensor of a file's header: dtype, shape and byte range within the data section.</summary>
    internal sealed record Entry(string Name, ScalarType DType, long[] Shape, long Begin, long End)
    {
        public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);

        public string DTypeName => DTypes.First(kv => kv.Value == DType).Key;
    }

    private static JsonObject ParseHeader(Stream stream, string path)
    {
        Span<byte> lengthBytes = stackalloc byte[8];
        if (stream.ReadAtLeast(lengthBytes, 8, throwOnEndOfStream: false) < 8)
            throw new InvalidDataException($"{path}: too short to be a safetensors file.");
        var length = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (length > (ulong)Math.Min(MaxHeaderBytes, stream.Length - 8))
            throw new InvalidDataException($"{path}: header length {length} is larger than the file allows.");
        var headerBytes = new byte[length];
        stream.ReadExactly(headerBytes);
        try
        {
            return JsonNode.Parse(headerBytes) as JsonObject
                ?? throw new InvalidDataException($"{path}: $: the header must be a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: header is not valid JSON: {e.Message}", e);
        }
    }

    internal static (List<Entry> Entries, long DataStart) ReadHeader(Stream stream, string path)
    {
        var header = ParseHeader(stream, path);
        var dataStart = stream.Position;
        var dataLength = stream.Length - dataStart;
        var entries = new List<Entry>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
                continue;
            var at = $"{path}: $['{name}']";
            if (node is not JsonObject o)
                throw new InvalidDataException($"{at}: expected an object with dtype, shape and data_offsets.");
            var dtypeName = (o["dtype"] as JsonValue)?.GetValue<string>() ?? throw new InvalidDataException($"{at}.dtype: missing.");
            if (!DTypes.TryGetValue(dtypeName, out var dtype))
                throw new InvalidDataException($"{at}.dtype: '{dtypeName}' is not supported (supported: {string.Join(", ", DTypes.Keys)}).");
            var shape = (o["shape"] as JsonArray ?? throw new InvalidDataException($"{at}.shape: missing."))
                .Select(d => d?.GetValue<long>() ?? -1).ToArray();
            if (shape.Any(d => d < 0))
                throw new InvalidDataException($"{at}.shape: dimensions must be non-negative integers.");
            var offsets = o["data_offsets"] as JsonArray;
            if (offsets is not { Count: 2 })
                throw new InvalidDataException($"{at}.data_offsets: expected [begin, end].");
            long begin = offsets[0]!.GetValue<long>(), end = offsets[1]!.GetValue<long>();
            var expected = shape.Aggregate(1L, (a, d) => a * d) * ElementSize(dtype);
            if (begin < 0 || end < begin || end > dataLength)
                throw new InvalidDataException($"{at}.data_offsets: [{begin}, {end}] lies outside the {dataLength} data bytes.");
            if (end - begin != expected)
                throw new InvalidDataException($"{at}.data_offsets: {end - begin} bytes, but {dtypeName} {FormatShape(shape)} needs {expected}.");
            entries.Add(new Entry(name, dtype, shape, begin, end));
        }
        return (entries, dataStart);
    }

    private static string DTypeName(ScalarType type, string name) =>
        DTypes.FirstOrDefault(kv => kv.Value == type).Key
        ?? throw new ArgumentException($"tensor '{name}': dtype {type} cannot be written to safetensors.");

    internal static long ElementSize(ScalarType type) => type switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        _ => 1,
    };

    internal static string FormatShape(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
}
