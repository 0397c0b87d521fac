using MessagePack;
using MessagePack.Formatters;

namespace Forge.Host.Recording.Formatters;

/// <summary>Arrays and nullable numbers as the generic formatters wrote them (nil for null), read into plain arrays.</summary>
internal static class Lists
{
    public static void Write<T>(ref MessagePackWriter writer, IReadOnlyList<T>? items, IMessagePackFormatter<T> formatter, MessagePackSerializerOptions options)
    {
        if (items is null) { writer.WriteNil(); return; }
        writer.WriteArrayHeader(items.Count);
        for (var i = 0; i < items.Count; i++) formatter.Serialize(ref writer, items[i], options);
    }

    public static T[]? Read<T>(ref MessagePackReader reader, IMessagePackFormatter<T?> formatter, MessagePackSerializerOptions options) where T : class
    {
        if (reader.TryReadNil()) return null;
        var count = reader.ReadArrayHeader();
        if (count == 0) return [];
        options.Security.DepthStep(ref reader);
        var items = new T[count];
        for (var i = 0; i < count; i++) items[i] = formatter.Deserialize(ref reader, options)!;   // a nil element stays null, as it did
        reader.Depth--;
        return items;
    }

    public static void WriteInts(ref MessagePackWriter writer, IReadOnlyList<int>? items)
    {
        if (items is null) { writer.WriteNil(); return; }
        writer.WriteArrayHeader(items.Count);
        for (var i = 0; i < items.Count; i++) writer.Write(items[i]);
    }

    public static int[]? ReadInts(ref MessagePackReader reader)
    {
        if (reader.TryReadNil()) return null;
        var items = new int[reader.ReadArrayHeader()];
        for (var i = 0; i < items.Length; i++) items[i] = reader.ReadInt32();
        return items;
    }

    public static void WriteBools(ref MessagePackWriter writer, IReadOnlyList<bool>? items)
    {
        if (items is null) { writer.WriteNil(); return; }
        writer.WriteArrayHeader(items.Count);
        for (var i = 0; i < items.Count; i++) writer.Write(items[i]);
    }

    public static bool[]? ReadBools(ref MessagePackReader reader)
    {
        if (reader.TryReadNil()) return null;
        var items = new bool[reader.ReadArrayHeader()];
        for (var i = 0; i < items.Length; i++) items[i] = reader.ReadBoolean();
        return items;
    }

    public static void WriteFloats(ref MessagePackWriter writer, IReadOnlyList<float>? items)
    {
        if (items is null) { writer.WriteNil(); return; }
        writer.WriteArrayHeader(items.Count);
        for (var i = 0; i < items.Count; i++) writer.Write(items[i]);
    }

    public static float[]? ReadFloats(ref MessagePackReader reader)
    {
        if (reader.TryReadNil()) return null;
        var items = new float[reader.ReadArrayHeader()];
        for (var i = 0; i < items.Length; i++) items[i] = reader.ReadSingle();
        return items;
    }

    /// <summary>The one empty string map a decoded step shares (most steps have no info; the type is read-only).</summary>
    public static readonly IReadOnlyDictionary<string, string> NoStrings = new Dictionary<string, string>();

    public static void WriteStrings(ref MessagePackWriter writer, IReadOnlyDictionary<string, string>? map)
    {
        if (map is null) { writer.WriteNil(); return; }
        writer.WriteMapHeader(map.Count);
        foreach (var (key, value) in map)
        {
            writer.Write(key);
            writer.Write(value);
        }
    }

    // .NET's string dictionaries switch to randomized hashing when keys collide, so hostile keys cannot flood one.
    public static IReadOnlyDictionary<string, string>? ReadStrings(ref MessagePackReader reader)
    {
        if (reader.TryReadNil()) return null;
        var count = reader.ReadMapHeader();
        if (count == 0) return NoStrings;
        var map = new Dictionary<string, string>(count);
        for (var i = 0; i < count; i++)
        {
            var key = reader.ReadString() ?? throw new MessagePackSerializationException("a map key is nil");
            map[key] = reader.ReadString()!;
        }
        return map;
    }

    public static void WriteScores(ref MessagePackWriter writer, IReadOnlyDictionary<string, double>? map)
    {
        if (map is null) { writer.WriteNil(); return; }
        writer.WriteMapHeader(map.Count);
        foreach (var (key, value) in map)
        {
            writer.Write(key);
            writer.Write(value);
        }
    }

    public static IReadOnlyDictionary<string, double>? ReadScores(ref MessagePackReader reader)
    {
        if (reader.TryReadNil()) return null;
        var count = reader.ReadMapHeader();
        var map = new Dictionary<string, double>(count);
        for (var i = 0; i < count; i++)
        {
            var key = reader.ReadString() ?? throw new MessagePackSerializationException("a map key is nil");
            map[key] = reader.ReadDouble();
        }
        return map;
    }

    public static void WriteNullable(ref MessagePackWriter writer, int? value)
    {
        if (value is { } v) writer.Write(v); else writer.WriteNil();
    }

    public static int? ReadNullableInt(ref MessagePackReader reader) => reader.TryReadNil() ? null : reader.ReadInt32();

    /// <summary>A value of a type the log rarely holds in bulk (provenance, tool specs, breakdowns), through the options' resolver.</summary>
    public static void WriteOther<T>(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options) =>
        options.Resolver.GetFormatterWithVerify<T>().Serialize(ref writer, value, options);

    public static T ReadOther<T>(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
        options.Resolver.GetFormatterWithVerify<T>().Deserialize(ref reader, options);
}
