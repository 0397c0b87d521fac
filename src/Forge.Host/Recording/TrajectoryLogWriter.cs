using System.Runtime.CompilerServices;
using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Forge.Core;
using MessagePack;

namespace Forge.Host.Recording;

/// <summary>
/// Frames trajectories as <c>[length][CRC-32C][MessagePack]</c> records of format <paramref name="version"/> (default: the current
/// one) and writes each one to a stream with a single write. Not thread-safe: <see cref="TrajectoryRecorder"/> serializes access to it.
/// </summary>
internal sealed class TrajectoryLogWriter(Stream? stream = null, int version = TrajectoryFormat.CurrentVersion)
{
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private readonly MessagePackSerializerOptions _options = TrajectoryFormat.WriteOptionsFor(version);
    private readonly Formatters.TrajectoryFormatter _formatter = Formatters.TrajectoryFormatter.For(TrajectoryFormat.LayoutOf(version));

    /// <summary>The format version of the records this writer frames.</summary>
    public int Version => version;

    private Stream Stream => stream ?? throw new InvalidOperationException("This writer only frames records; it was made without a stream.");

    /// <summary>Writes the file header; call once on a new, empty file.</summary>
    public void WriteHeader()
    {
        Span<byte> header = stackalloc byte[TrajectoryFormat.HeaderBytes];
        TrajectoryFormat.WriteHeader(header, (ushort)version);
        Stream.Write(header);
    }

    /// <summary>Frames one trajectory and returns the record's bytes (valid until the next call).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ReadOnlyMemory<byte> Frame(Trajectory trajectory)
    {
        ArgumentNullException.ThrowIfNull(trajectory);
        _buffer.ResetWrittenCount();
        _buffer.Advance(TrajectoryFormat.FrameHeaderBytes);
        var writer = new MessagePackWriter(_buffer);
        _formatter.Serialize(ref writer, trajectory, _options);
        writer.Flush();

        var record = MemoryMarshal.AsMemory(_buffer.WrittenMemory);
        var payloadLength = record.Length - TrajectoryFormat.FrameHeaderBytes;
        if (payloadLength > TrajectoryFormat.MaxPayloadBytes)
            throw new InvalidOperationException(
                $"Trajectory {trajectory.EpisodeId} serializes to {payloadLength} bytes, more than a record may hold ({TrajectoryFormat.MaxPayloadBytes}).");
        var span = record.Span;
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)payloadLength);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], Crc32C.Compute(span[TrajectoryFormat.FrameHeaderBytes..]));
        return record;
    }

    /// <summary>Writes one record; returns its size in bytes.</summary>
    public int Write(Trajectory trajectory)
    {
        var record = Frame(trajectory);
        Stream.Write(record.Span);
        return record.Length;
    }

    /// <summary>Writes one record asynchronously; returns its size in bytes.</summary>
    public async ValueTask<int> WriteAsync(Trajectory trajectory, CancellationToken cancellationToken)
    {
        var record = Frame(trajectory);
        await Stream.WriteAsync(record, cancellationToken).ConfigureAwait(false);
        return record.Length;
    }
}
