namespace Forge.Training.Tokenization.HuggingFace;

/// <summary>
/// GPT-2's reversible byte ↔ character map used by byte-level BPE: printable Latin-1 bytes stand for themselves, the
/// other 68 bytes (space, controls, …) take the characters from U+0100 on, so space is <c>Ġ</c> and newline <c>Ċ</c>.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] CharOfByte = BuildChars();
    private static readonly Dictionary<char, byte> ByteOfChar = CharOfByte.Select((c, b) => (c, b)).ToDictionary(x => x.c, x => (byte)x.b);

    public static char Char(byte b) => CharOfByte[b];

    public static bool TryByte(char c, out byte b) => ByteOfChar.TryGetValue(c, out b);

    /// <summary>The UTF-8 bytes of <paramref name="text"/>, each written as its alphabet character.</summary>
    public static string Encode(ReadOnlySpan<char> text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text.ToArray());
        return string.Create(bytes.Length, bytes, static (chars, bytes) =>
        {
            for (var i = 0; i < bytes.Length; i++)
                chars[i] = CharOfByte[bytes[i]];
        });
    }

    private static char[] BuildChars()
    {
        var chars = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            chars[b] = printable ? (char)b : (char)next++;
        }
        return chars;
    }
}
