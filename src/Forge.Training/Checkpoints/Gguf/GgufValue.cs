using System.Text;

namespace Forge.Training.Checkpoints.Gguf;

/// <summary>A typed GGUF metadata value: a scalar, a string or an array of one scalar/string type.</summary>
internal sealed class GgufValue
{
    private GgufValue(GgufValueType type, object value, GgufValueType elementType = GgufValueType.UInt8)
    {
        Type = type;
        Value = value;
        ElementType = elementType;
    }

    public GgufValueType Type { get; }

    /// <summary>For arrays, the type of every element.</summary>
    public GgufValueType ElementType { get; }

    public object Value { get; }

    public static GgufValue UInt32(uint v) => new(GgufValueType.UInt32, v);
    public static GgufValue Int32(int v) => new(GgufValueType.Int32, v);
    public static GgufValue Float32(float v) => new(GgufValueType.Float32, v);
    public static GgufValue Bool(bool v) => new(GgufValueType.Bool, v);
    public static GgufValue String(string v) => new(GgufValueType.String, v);
    public static GgufValue Strings(IReadOnlyList<string> v) => new(GgufValueType.Array, v, GgufValueType.String);
    public static GgufValue Int32s(IReadOnlyList<int> v) => new(GgufValueType.Array, v, GgufValueType.Int32);
    public static GgufValue Float32s(IReadOnlyList<float> v) => new(GgufValueType.Array, v, GgufValueType.Float32);

    /// <summary>Writes the type tag and the value as GGUF lays them out (little-endian; strings as u64 length + UTF-8).</summary>
    public void Write(BinaryWriter writer)
    {
        writer.Write((uint)Type);
        if (Type != GgufValueType.Array)
        {
            WriteScalar(writer, Type, Value);
            return;
        }
        writer.Write((uint)ElementType);
        switch (Value)
        {
            case IReadOnlyList<string> strings:
                writer.Write((ulong)strings.Count);
                foreach (var s in strings) WriteString(writer, s);
                break;
            case IReadOnlyList<int> ints:
                writer.Write((ulong)ints.Count);
                foreach (var i in ints) writer.Write(i);
                break;
            case IReadOnlyList<float> floats:
                writer.Write((ulong)floats.Count);
                foreach (var f in floats) writer.Write(f);
                break;
            default:
                throw new InvalidOperationException($"unsupported GGUF array of {Value.GetType().Name}.");
        }
    }

    internal static void WriteString(BinaryWriter writer, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        writer.Write((ulong)bytes.Length);
        writer.Write(bytes);
    }

    private static void WriteScalar(BinaryWriter writer, GgufValueType type, object value)
    {
        switch (type)
        {
            case GgufValueType.UInt32: writer.Write((uint)value); break;
            case GgufValueType.Int32: writer.Write((int)value); break;
            case GgufValueType.Float32: writer.Write((float)value); break;
            case GgufValueType.Bool: writer.Write((bool)value ? (byte)1 : (byte)0); break;
            case GgufValueType.String: WriteString(writer, (string)value); break;
            default: throw new InvalidOperationException($"unsupported GGUF scalar type {type}.");
        }
    }
}
