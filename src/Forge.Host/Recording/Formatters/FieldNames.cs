using System.Numerics;
using System.Runtime.CompilerServices;
using System.Buffers;
using System.Text;
using MessagePack;

namespace Forge.Host.Recording.Formatters;

/// <summary>How the maps of a trajectory record are keyed, by format version.</summary>
internal enum FieldLayout
{
    /// <summary>Format 1: every member, keyed by its property name.</summary>
    Named = 1,

    /// <summary>Format 2: keyed by field number (a one-byte integer), members at their default value left out.</summary>
    Numbered = 2,
}

/// <summary>
/// The keys of one record type's MessagePack map, from an enum whose member names are the property names (format 1's keys)
/// and whose values are the field numbers (format 2's keys). Keys are written from pre-encoded bytes and read without making
/// a string; <see cref="Match"/> takes either kind of key, so one decoder reads both formats. It tries the name expected at that
/// position first, so a map written in the usual order costs one comparison per key; any order, and unknown keys, still read.
/// </summary>
internal sealed class FieldNames
{
    private readonly byte[][] _names;     // UTF-8
    private readonly byte[][] _encoded;   // MessagePack str header + UTF-8

    private FieldNames(string[] names)
    {
        Names = names;
        All = names.Length == 64 ? ulong.MaxValue : (1UL << names.Length) - 1;
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

    /// <summary>The keys of <typeparamref name="TField"/>: its members, numbered 0, 1, 2, … in declaration order.</summary>
    public static FieldNames Of<TField>() where TField : struct, Enum
    {
        var values = Enum.GetValues<TField>().Select(v => Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        if (!values.SequenceEqual(Enumerable.Range(0, values.Length)) || values.Length > 64)
            throw new InvalidOperationException($"{typeof(TField).Name} must number its fields 0, 1, 2, … (at most 64)");
        return new FieldNames(Enum.GetNames<TField>());
    }

    /// <summary>Keys for <paramref name="names"/>, numbered in the order given.</summary>
    public static FieldNames Named(string[] names) => new(names);

    /// <summary>The names, in field-number order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The mask with every field present (what format 1 writes).</summary>
    public ulong All { get; }

    /// <summary>
    /// Writes the map header for the fields in <paramref name="present"/> (bit k: field k; ignored for <see cref="FieldLayout.Named"/>,
    /// which writes every field) and returns the writer of their keys.
    /// </summary>
    public MapKeys Start(ref MessagePackWriter writer, FieldLayout layout, ulong present)
    {
        if (layout == FieldLayout.Named) present = All;
        writer.WriteMapHeader(BitOperations.PopCount(present));
        return new MapKeys(this, layout, present);
    }

    /// <summary>Writes the key of field <paramref name="field"/>.</summary>
    public void Write(ref MessagePackWriter writer, int field, FieldLayout layout)
    {
        if (layout == FieldLayout.Numbered) writer.Write(field);
        else writer.WriteRaw(_encoded[field]);
    }

    /// <summary>The field number of <paramref name="name"/> (UTF-8), or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int IndexOf(ReadOnlySpan<byte> name)
    {
        for (var i = 0; i < _names.Length; i++)
            if (name.SequenceEqual(_names[i])) return i;
        return -1;
    }

    /// <summary>
    /// Reads a key, a field number (format 2) or a name (format 1); returns its field number, or -1 for a key this build does not
    /// know (the caller skips its value).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Match(ref MessagePackReader reader, int expected)
    {
        if (reader.NextMessagePackType == MessagePackType.Integer)
        {
            var number = reader.ReadInt64();
            return (ulong)number < (ulong)_names.Length ? (int)number : -1;
        }
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

/// <summary>Writes the keys of one map: <see cref="Next"/> writes a field's key and says whether to write its value.</summary>
internal readonly struct MapKeys(FieldNames names, FieldLayout layout, ulong present)
{
    /// <summary>True (after writing its key) when field <paramref name="field"/> is present; false when it is left out.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Next(ref MessagePackWriter writer, int field)
    {
        if ((present & (1UL << field)) == 0) return false;
        names.Write(ref writer, field, layout);
        return true;
    }
}

/// <summary>Builds the mask of the fields a format-2 map holds: bit k set when field k differs from the value a reader assumes when it is absent.</summary>
internal static class Present
{
    /// <summary>The mask of <paramref name="fields"/>, field 0 first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mask(params ReadOnlySpan<bool> fields)
    {
        ulong mask = 0;
        for (var i = 0; i < fields.Length; i++)
            if (fields[i]) mask |= 1UL << i;
        return mask;
    }

    /// <summary>A number other than +0 (−0 and NaN are written, so they read back as they were).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool NonZero(double value) => BitConverter.DoubleToInt64Bits(value) != 0;

    /// <summary>A string other than empty (null included: it reads back as empty, as format 1 read a nil).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool NonEmpty(string? value) => value is { Length: > 0 };

    /// <summary>A list with items (null included: it reads back as empty, as format 1 read a nil).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool NonEmpty<T>(IReadOnlyCollection<T>? items) => items is { Count: > 0 };
}

/// <summary>An enum written by member name (as <c>DynamicEnumAsStringResolver</c> writes it) from pre-encoded names, read without making a string.</summary>
internal static class EnumNames<T> where T : struct, Enum
{
    private static readonly T[] Values = Enum.GetValues<T>();
    private static readonly FieldNames Names = FieldNames.Named(Enum.GetNames<T>());

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Write(ref MessagePackWriter writer, T value)
    {
        var index = Array.IndexOf(Values, value);
        if (index >= 0) Names.Write(ref writer, index, FieldLayout.Named);
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
