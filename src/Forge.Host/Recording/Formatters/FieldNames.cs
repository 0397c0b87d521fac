using System.Runtime.CompilerServices;
using System.Buffers;
using System.Text;
using MessagePack;

namespace Forge.Host.Recording.Formatters;

/// <summary>
/// The keys of one record type's MessagePack map: written from pre-encoded bytes, read by comparing UTF-8 bytes (no string
/// is made for a key). <see cref="Match"/> tries the key expected at that position first, so a map written in the usual order
/// costs one comparison per key; any order, and unknown keys, still read.
/// </summary>
internal sealed class FieldNames
{
    private readonly byte[][] _names;     // UTF-8
    private readonly byte[][] _encoded;   // MessagePack str header + UTF-8

    public FieldNames(params string[] names)
    {
        Names = names;
        _names = [.. names.Select(Encoding.UTF8.GetBytes)];
        _encoded = [.. names.Select(n =>
        {
            var buffer = new ArrayBufferWriter<byte>();
            var writer = new MessagePackWriter(buffer);
            writer.Write(n);
            writer.Flush();
            return buffer.WrittenSpan.ToArray();
        })];
    }

    /// <summary>The names, in the order they are written.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Writes key <paramref name="field"/>.</summary>
    public void Write(ref MessagePackWriter writer, int field) => writer.WriteRaw(_encoded[field]);

    /// <summary>The field number of <paramref name="name"/> (UTF-8), or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int IndexOf(ReadOnlySpan<byte> name)
    {
        for (var i = 0; i < _names.Length; i++)
            if (name.SequenceEqual(_names[i])) return i;
        return -1;
    }

    /// <summary>Reads a key; returns its field number, or -1 for a key this build does not know (the caller skips its value).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Match(ref MessagePackReader reader, int expected)
    {
        var key = ReadUtf8(ref reader, out var rented);
        try
        {
            return (uint)expected < (uint)_names.Length && key.SequenceEqual(_names[expected]) ? expected : IndexOf(key);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The bytes of the string at the reader (copied only when the string spans buffer segments).</summary>
    public static ReadOnlySpan<byte> ReadUtf8(ref MessagePackReader reader, out byte[]? rented)
    {
        rented = null;
        if (reader.TryReadStringSpan(out var span)) return span;
        var sequence = reader.ReadStringSequence() ?? throw new MessagePackSerializationException("a map key is nil");
        rented = ArrayPool<byte>.Shared.Rent((int)sequence.Length);
        sequence.CopyTo(rented);
        return rented.AsSpan(0, (int)sequence.Length);
    }
}

/// <summary>An enum written by member name (as <c>DynamicEnumAsStringResolver</c> writes it) from pre-encoded names, read without making a string.</summary>
internal static class EnumNames<T> where T : struct, Enum
{
    private static readonly T[] Values = Enum.GetValues<T>();
    private static readonly FieldNames Names = new([.. Values.Select(v => v.ToString())]);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Write(ref MessagePackWriter writer, T value)
    {
        var index = Array.IndexOf(Values, value);
        if (index >= 0) Names.Write(ref writer, index);
        else writer.Write(value.ToString());   // a value outside the declared members: written as its number's text, as before
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T Read(ref MessagePackReader reader)
    {
        if (reader.NextMessagePackType == MessagePackType.Integer) return (T)Enum.ToObject(typeof(T), reader.ReadInt64());
        var name = FieldNames.ReadUtf8(ref reader, out var rented);
        try
        {
            var index = Names.IndexOf(name);
            return index >= 0 ? Values[index]
                : throw new MessagePackSerializationException($"`{Encoding.UTF8.GetString(name)}` is not a member of {typeof(T).Name}");
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
