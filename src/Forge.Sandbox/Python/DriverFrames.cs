using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Forge.Sandbox.Python;

/// <summary>The driver's framing: a 4-byte big-endian length, then a UTF-8 JSON object.</summary>
internal static class DriverFrames
{
    /// <summary>Largest frame accepted from a driver (its replies carry capped output, so this only guards against garbage).</summary>
    public const int MaxFrameBytes = 256 << 20;

    public static async Task WriteAsync(Stream stream, JsonObject frame, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(frame);
        var data = new byte[4 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(data, (uint)body.Length);
        body.CopyTo(data, 4);
        await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The next frame, or null when the stream ended (the driver died).</summary>
    public static async Task<JsonElement?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[4];
        if (!await ReadExactlyOrEndAsync(stream, header, cancellationToken).ConfigureAwait(false)) return null;
        var length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length > MaxFrameBytes) throw new InvalidDataException($"The Python driver sent a frame of {length} bytes (the limit is {MaxFrameBytes}).");
        var body = new byte[length];
        if (!await ReadExactlyOrEndAsync(stream, body, cancellationToken).ConfigureAwait(false)) return null;
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    private static async Task<bool> ReadExactlyOrEndAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (read == 0) return false;
            filled += read;
        }
        return true;
    }
}
