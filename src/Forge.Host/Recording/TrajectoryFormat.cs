using System.Buffers.Binary;
using Forge.Core;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;

namespace Forge.Host.Recording;

/// <summary>
/// The byte layout of a trajectory file (all integers little-endian):
/// <code>
/// header  : "FORGETRJ" (8 bytes) | format version u16 | flags u16 (0) | reserved u32 (0)      = 16 bytes
/// record  : payload length u32 | CRC-32C of the payload u32 | payload (a MessagePack map: one Trajectory)
/// </code>
/// Records are appended one after another; a reader checks each length and CRC, so a torn tail or a damaged record
/// is found, reported with its offset and skipped. Format 1 keys the maps of trajectories, steps, messages and tool calls by
/// property name and writes every member; format 2 keys them by field number and leaves out members at their default value
/// (a third of the bytes). A reader takes either; a recorder appending to a log writes the log's own format.
/// </summary>
internal static class TrajectoryFormat
{
    /// <summary>The format this build writes, and the newest it reads.</summary>
    public const ushort CurrentVersion = 2;

    public const int HeaderBytes = 16;
    public const int FrameHeaderBytes = 8;

    /// <summary>Largest payload a writer accepts and a reader believes (a longer length field is corruption).</summary>
    public const int MaxPayloadBytes = 64 * 1024 * 1024;

    public static ReadOnlySpan<byte> Magic => "FORGETRJ"u8;

    /// <summary>
    /// Format 2: trajectories are MessagePack maps keyed by field number (<see cref="Formatters.TrajectoryField"/> and its
    /// siblings; new fields can be added compatibly, unknown keys are skipped, absent ones read as their default), enums written
    /// by name so that adding a member never changes the meaning of old files. The bulk of a log — trajectories, steps,
    /// messages, tool calls, and their provenance, tools, breakdown and error — goes through hand-written formatters
    /// (<see cref="Formatters"/>); start times and anything else through the generic ones. The hot paths of writing and reading
    /// (formatters, framing, CRC) are marked <c>AggressiveOptimization</c>: a log is usually read once by a short-lived command,
    /// before tiered compilation would have optimized them.
    /// </summary>
    public static MessagePackSerializerOptions WriteOptions { get; } = Options(Formatters.FieldLayout.Numbered);

    /// <summary>Format 1: every member of every map, keyed by property name (what the generic formatters wrote).</summary>
    public static MessagePackSerializerOptions Version1WriteOptions { get; } = Options(Formatters.FieldLayout.Named);

    /// <summary>Reads format 1 and format 2 alike, hardened for bytes that may be damaged or hostile.</summary>
    public static MessagePackSerializerOptions ReadOptions { get; } = WriteOptions.WithSecurity(MessagePackSecurity.UntrustedData);

    /// <summary>The options that write records of format <paramref name="version"/> (one this build reads).</summary>
    public static MessagePackSerializerOptions WriteOptionsFor(int version) => LayoutOf(version) == Formatters.FieldLayout.Named ? Version1WriteOptions : WriteOptions;

    /// <summary>How the records of format <paramref name="version"/> (one this build writes) key their maps.</summary>
    public static Formatters.FieldLayout LayoutOf(int version) => version switch
    {
        1 => Formatters.FieldLayout.Named,
        CurrentVersion => Formatters.FieldLayout.Numbered,
        _ => throw new ArgumentOutOfRangeException(nameof(version), version, $"this build writes trajectory formats 1 to {CurrentVersion}"),
    };

    // Format 1 wrote the rarer types (provenance, tool specs, breakdowns, errors) with the generic formatters, and a format-1 writer
    // still does; format 2 has formatters of its own for them.
    private static MessagePackSerializerOptions Options(Formatters.FieldLayout layout)
    {
        IMessagePackFormatter[] formatters =
            [Formatters.TrajectoryFormatter.For(layout), Formatters.StepFormatter.For(layout), Formatters.MessageFormatter.For(layout), Formatters.ToolCallFormatter.For(layout)];
        if (layout == Formatters.FieldLayout.Numbered)
            formatters = [.. formatters, Formatters.ProvenanceFormatter.Instance, Formatters.TaskProvenanceFormatter.Instance, Formatters.EpisodeLimitsFormatter.Instance,
                Formatters.SandboxProvenanceFormatter.Instance, Formatters.AgentProvenanceFormatter.Instance, Formatters.ToolSpecFormatter.Instance,
                Formatters.RewardBreakdownFormatter.Instance, Formatters.EpisodeErrorFormatter.Instance, Formatters.TokenSequenceFormatter.Instance];
        return MessagePackSerializerOptions.Standard.WithResolver(CompositeResolver.Create(formatters, [DynamicEnumAsStringResolver.Instance, StandardResolver.Instance]));
    }

    public static void WriteHeader(Span<byte> destination, ushort version = CurrentVersion)
    {
        Magic.CopyTo(destination);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], version);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[10..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], 0);
    }

    /// <summary>Checks a header and returns its format version; throws <see cref="InvalidDataException"/> naming <paramref name="name"/> when it is not one this build reads.</summary>
    public static int ReadHeader(ReadOnlySpan<byte> header, string name)
    {
        if (header.Length == 0)
            throw new InvalidDataException($"{name} is not a Forge trajectory file (it is empty)");
        if (header.Length < HeaderBytes)
        {
            var isPrefix = header.Length <= Magic.Length ? Magic.StartsWith(header) : header.StartsWith(Magic);
            throw new InvalidDataException(isPrefix
                ? $"{name} is a Forge trajectory file cut short inside its {HeaderBytes}-byte header ({header.Length} bytes); it holds no records"
                : $"{name} is not a Forge trajectory file (bad magic)");
        }
        if (!header.StartsWith(Magic))
            throw new InvalidDataException($"{name} is not a Forge trajectory file (bad magic)");

        var version = BinaryPrimitives.ReadUInt16LittleEndian(header[8..]);
        var flags = BinaryPrimitives.ReadUInt16LittleEndian(header[10..]);
        if (version > CurrentVersion)
            throw new InvalidDataException($"{name} was written by a newer Forge (format {version}, this reads up to {CurrentVersion}); upgrade Forge to read it");
        if (version == 0)
            throw new InvalidDataException($"{name} has an invalid trajectory format version 0");
        if (flags != 0)
            throw new InvalidDataException($"{name} uses header flags 0x{flags:X4} that this Forge does not know (format {version}); upgrade Forge to read it");
        return version;
    }

    /// <summary>True for the first byte of a MessagePack map (fixmap, map16, map32): every payload starts with one.</summary>
    public static bool IsMapHeader(byte b) => (b & 0xF0) == 0x80 || b == 0xDE || b == 0xDF;
}
