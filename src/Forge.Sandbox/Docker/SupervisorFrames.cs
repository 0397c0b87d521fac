using System.Buffers.Binary;

namespace Forge.Sandbox.Docker;

/// <summary>
/// The frames the host and the container's supervisor (<c>forge_supervisor.py</c>) exchange on the attached stream:
/// a 9-byte header (payload length u32, kind u8, command id u32, big-endian) and the payload.
/// </summary>
internal static class SupervisorFrames
{
    public const int HeaderSize = 9;

    /// <summary>Largest payload the host accepts from the supervisor (its chunks are at most 64 KiB).</summary>
    public const int MaxPayload = 16 << 20;

    // host -> supervisor
    public const byte Spawn = (byte)'S';
    public const byte Stdin = (byte)'I';
    public const byte CloseStdin = (byte)'C';
    public const byte Kill = (byte)'K';
    public const byte KillAll = (byte)'A';
    public const byte Counters = (byte)'G';

    // supervisor -> host
    public const byte Hello = (byte)'H';
    public const byte Stdout = (byte)'O';
    public const byte Stderr = (byte)'E';
    public const byte Exit = (byte)'X';
    public const byte Done = (byte)'D';

    /// <summary>One frame: header and payload in one buffer.</summary>
    public static byte[] Encode(byte kind, uint id, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[HeaderSize + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)payload.Length);
        frame[4] = kind;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(5), id);
        payload.CopyTo(frame.AsSpan(HeaderSize));
        return frame;
    }

    /// <summary>Reads a header: the payload's length, the kind and the command id.</summary>
    public static (int Length, byte Kind, uint Id) Header(ReadOnlySpan<byte> header)
    {
        var length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length > MaxPayload) throw new InvalidDataException($"The sandbox supervisor sent a frame of {length} bytes (at most {MaxPayload})");
        return ((int)length, header[4], BinaryPrimitives.ReadUInt32BigEndian(header[5..]));
    }
}
