using System.Runtime.CompilerServices;
using System.Buffers.Binary;
using System.Runtime.Intrinsics.X86;

namespace Forge.Host.Recording;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of each trajectory record.
/// Uses the SSE4.2 <c>crc32</c> instruction where the CPU has it and a slicing-by-8 table otherwise; both give the same value.
/// </summary>
internal static class Crc32C
{
    private const uint Polynomial = 0x82F63B78u;
    private static readonly uint[] Table = BuildTable();

    /// <summary>The CRC-32C of <paramref name="data"/> ("123456789" → 0xE3069283).</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Append(~0u, data, Sse42.X64.IsSupported);

    /// <summary>The table-driven computation alone, so that tests can compare it with the hardware one.</summary>
    internal static uint ComputeSoftware(ReadOnlySpan<byte> data) => ~Append(~0u, data, useHardware: false);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static uint Append(uint crc, ReadOnlySpan<byte> data, bool useHardware)
    {
        if (useHardware)
        {
            ulong wide = crc;
            while (data.Length >= 8)
            {
                wide = Sse42.X64.Crc32(wide, BinaryPrimitives.ReadUInt64LittleEndian(data));
                data = data[8..];
            }
            crc = (uint)wide;
            foreach (var b in data) crc = Sse42.Crc32(crc, b);
            return crc;
        }

        while (data.Length >= 8)
        {
            var low = crc ^ BinaryPrimitives.ReadUInt32LittleEndian(data);
            var high = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            crc = Table[7 * 256 + (low & 0xFF)] ^ Table[6 * 256 + ((low >> 8) & 0xFF)]
                ^ Table[5 * 256 + ((low >> 16) & 0xFF)] ^ Table[4 * 256 + (low >> 24)]
                ^ Table[3 * 256 + (high & 0xFF)] ^ Table[2 * 256 + ((high >> 8) & 0xFF)]
                ^ Table[1 * 256 + ((high >> 16) & 0xFF)] ^ Table[high >> 24];
            data = data[8..];
        }
        foreach (var b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    // Table k maps a byte to its CRC contribution k bytes further along, so eight bytes fold in at once.
    private static uint[] BuildTable()
    {
        var table = new uint[8 * 256];
        for (uint i = 0; i < 256; i++)
        {
            var crc = i;
            for (var bit = 0; bit < 8; bit++) crc = (crc & 1) != 0 ? (crc >> 1) ^ Polynomial : crc >> 1;
            table[i] = crc;
        }
        for (var k = 1; k < 8; k++)
            for (var i = 0; i < 256; i++)
                table[k * 256 + i] = (table[(k - 1) * 256 + i] >> 8) ^ table[table[(k - 1) * 256 + i] & 0xFF];
        return table;
    }
}
