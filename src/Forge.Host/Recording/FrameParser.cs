using System.Runtime.CompilerServices;
using System.Buffers.Binary;

namespace Forge.Host.Recording;

/// <summary>One item cut from a trajectory file: a record whose frame checked out (its payload, not yet decoded) or a corrupt stretch.</summary>
/// <param name="Offset">Byte offset of the record or of the bad stretch.</param>
/// <param name="Length">Bytes the record (header included) or the stretch spans.</param>
/// <param name="Payload">The record's MessagePack payload, valid until the parser is called again; empty for a corrupt stretch.</param>
/// <param name="Corrupt">What was skipped, when the frame did not check out.</param>
internal readonly record struct Frame(long Offset, int Length, ReadOnlyMemory<byte> Payload, CorruptRecord? Corrupt);

/// <summary>
/// Cuts the bytes after a trajectory file's header into frames. The caller feeds it data (<see cref="GetFillBuffer"/>,
/// <see cref="Advance"/>, <see cref="MarkEnd"/>) and asks for frames (<see cref="TryRead"/>), so the same logic serves
/// synchronous and asynchronous reading of any stream, and both the reader (which decodes whole trajectories) and the index
/// (which decodes only their summaries).
/// </summary>
/// <remarks>
/// A frame is accepted when its length is plausible, its payload is all there and its CRC-32C matches. Anything else starts a
/// corrupt stretch: the parser then scans forward byte by byte for the next offset holding a frame that passes the same checks
/// (and whose payload starts like a MessagePack map) and reports the skipped stretch as one <see cref="CorruptRecord"/>.
/// </remarks>
internal sealed class FrameParser(long startOffset, long? totalLength)
{
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;                 // first unconsumed byte in _buffer
    private int _end;                   // one past the last valid byte in _buffer
    private long _bufferOffset = startOffset; // file offset of _buffer[0]
    private bool _ended;
    private int _needed = TrajectoryFormat.FrameHeaderBytes; // bytes (from _start) the parser wants before it can go on
    private long? _corruptStart;
    private string _corruptReason = "";

    /// <summary>The outcome of <see cref="TryRead"/>.</summary>
    public enum Status { Entry, NeedMoreData, End }

    private long Position => _bufferOffset + _start;
    private int Available => _end - _start;

    /// <summary>Room to read more bytes into; big enough for what the parser is waiting for.</summary>
    public Memory<byte> GetFillBuffer()
    {
        if (_start > 0 && (_buffer.Length - _end < _needed || _start > _buffer.Length / 2))
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, Available);
            _bufferOffset += _start;
            _end -= _start;
            _start = 0;
        }
        var wanted = Math.Max(_needed, 4096);
        if (_buffer.Length - _start < wanted)
            Array.Resize(ref _buffer, Math.Max(wanted + _start, _buffer.Length * 2));
        return _buffer.AsMemory(_end);
    }

    /// <summary>Marks <paramref name="count"/> bytes of the fill buffer as read.</summary>
    public void Advance(int count) => _end += count;

    /// <summary>There is no more data.</summary>
    public void MarkEnd() => _ended = true;

    /// <summary>Parses the next entry, or says that more data is needed, or that the file is done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Status TryRead(out Frame frame)
    {
        frame = default;
        while (true)
        {
            if (_corruptStart is { } corruptStart)
            {
                var result = TryResync();
                if (result == Status.NeedMoreData) return result;
                if (result == Status.Entry) { frame = EndCorrupt(corruptStart); return Status.Entry; }
                continue;
            }

            if (Available < TrajectoryFormat.FrameHeaderBytes)
            {
                if (!_ended) return Need(TrajectoryFormat.FrameHeaderBytes);
                if (Available == 0) return Status.End;
                StartCorrupt($"record header cut short ({Available} of {TrajectoryFormat.FrameHeaderBytes} bytes)");
                continue;
            }

            var span = _buffer.AsSpan(_start, Available);
            var length = BinaryPrimitives.ReadUInt32LittleEndian(span);
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(span[4..]);
            if (length is 0 or > TrajectoryFormat.MaxPayloadBytes)
            {
                StartCorrupt($"implausible record length {length}");
                continue;
            }
            var frameLength = TrajectoryFormat.FrameHeaderBytes + (int)length;
            if (Available < frameLength && (_ended || Position + frameLength > totalLength))
            {
                var present = Math.Max(0, (totalLength ?? Position + Available) - Position - TrajectoryFormat.FrameHeaderBytes);
                StartCorrupt($"record of {length} bytes runs past the end of the file ({present} payload bytes follow its header)");
                continue;
            }
            if (Available < frameLength)
            {
                return Need(frameLength);
            }
            var payload = _buffer.AsMemory(_start + TrajectoryFormat.FrameHeaderBytes, (int)length);
            var actual = Crc32C.Compute(payload.Span);
            if (actual != crc)
            {
                StartCorrupt($"CRC mismatch (stored 0x{crc:X8}, computed 0x{actual:X8})");
                continue;
            }

            frame = new Frame(Position, frameLength, payload, null);
            _start += frameLength;
            _needed = TrajectoryFormat.FrameHeaderBytes;
            return Status.Entry;
        }
    }

    // Scans from _start for the next good frame. Entry: found one at _start; End: reached the end of the data (everything skipped).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Status TryResync()
    {
        while (true)
        {
            if (Available < TrajectoryFormat.FrameHeaderBytes)
            {
                if (!_ended) return Need(TrajectoryFormat.FrameHeaderBytes);
                _start = _end;
                return Status.Entry;
            }
            var span = _buffer.AsSpan(_start, Available);
            var length = BinaryPrimitives.ReadUInt32LittleEndian(span);
            if (IsPlausibleLength(length, Position) && (span.Length == TrajectoryFormat.FrameHeaderBytes || TrajectoryFormat.IsMapHeader(span[TrajectoryFormat.FrameHeaderBytes])))
            {
                var frameLength = TrajectoryFormat.FrameHeaderBytes + (int)length;
                if (Available < frameLength && !_ended) return Need(frameLength);
                if (Available >= frameLength
                    && Crc32C.Compute(span.Slice(TrajectoryFormat.FrameHeaderBytes, (int)length)) == BinaryPrimitives.ReadUInt32LittleEndian(span[4..]))
                    return Status.Entry;
            }
            _start++;
        }
    }

    private bool IsPlausibleLength(uint length, long position) =>
        length > 0 && length <= TrajectoryFormat.MaxPayloadBytes
        && (totalLength is not { } total || position + TrajectoryFormat.FrameHeaderBytes + length <= total);

    private void StartCorrupt(string reason)
    {
        _corruptStart = Position;
        _corruptReason = reason;
        _start++;
    }

    private Frame EndCorrupt(long corruptStart)
    {
        _corruptStart = null;
        _needed = TrajectoryFormat.FrameHeaderBytes;
        var atEnd = _ended && Available == 0;
        var corrupt = new CorruptRecord(corruptStart, Position - corruptStart, _corruptReason, AtEndOfFile: atEnd);
        return new Frame(corruptStart, 0, ReadOnlyMemory<byte>.Empty, corrupt);
    }

    private Status Need(int bytes)
    {
        _needed = bytes;
        return Status.NeedMoreData;
    }
}
