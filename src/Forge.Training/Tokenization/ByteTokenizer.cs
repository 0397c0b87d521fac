using System.Text;

namespace Forge.Training.Tokenization;

/// <summary>
/// The default tokenizer for models trained from scratch: ids 0–255 are the UTF-8 bytes of the text, then
/// <c>&lt;|bos|&gt;</c> = 256, <c>&lt;|eos|&gt;</c> = 257, <c>&lt;|pad|&gt;</c> = 258, then the extra special tokens in order.
/// </summary>
public sealed class ByteTokenizer : ITokenizer
{
    /// <summary>Literal text of the beginning-of-sequence token.</summary>
    public const string Bos = "<|bos|>";

    /// <summary>Literal text of the end-of-sequence token.</summary>
    public const string Eos = "<|eos|>";

    /// <summary>Literal text of the padding token.</summary>
    public const string Pad = "<|pad|>";

    private readonly SpecialTokenTable specials;

    /// <summary>Creates the tokenizer with BOS/EOS/PAD plus <paramref name="extraSpecialTokens"/> (ids 259, 260, …).</summary>
    public ByteTokenizer(IEnumerable<string>? extraSpecialTokens = null)
    {
        var extras = (extraSpecialTokens ?? []).ToArray();
        string[] all = [Bos, Eos, Pad, .. extras];
        specials = new SpecialTokenTable(all.Select((t, i) => KeyValuePair.Create(t, 256 + i)));
        Spec = new TokenizerSpec { Kind = TokenizerSpec.ByteKind, ExtraSpecialTokens = extras };
        VocabSize = 256 + all.Length;
    }

    public int VocabSize { get; }
    public int BosId => 256;
    public int EosId => 257;
    public int PadId => 258;
    public IReadOnlyDictionary<string, int> SpecialTokens => specials.IdsByText;
    public TokenizerSpec Spec { get; }

    public IReadOnlyList<int> Encode(string text, bool parseSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length);
        if (!parseSpecialTokens)
        {
            AddBytes(ids, text);
            return ids;
        }
        foreach (var (plain, special) in specials.Split(text))
        {
            if (special is { } id)
                ids.Add(id);
            else
                AddBytes(ids, plain!);
        }
        return ids;
    }

    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var text = new StringBuilder();
        var bytes = new List<byte>();
        foreach (var id in ids)
        {
            if (id is >= 0 and < 256)
            {
                bytes.Add((byte)id);
                continue;
            }
            Flush(text, bytes);
            if (!specials.TryGetText(id, out var token))
                throw new ArgumentOutOfRangeException(nameof(ids), $"token id {id} is outside this tokenizer's vocabulary (size {VocabSize}).");
            if (!skipSpecialTokens)
                text.Append(token);
        }
        Flush(text, bytes);
        return text.ToString();
    }

    public int SpecialTokenId(string token) => specials.IdOf(token);

    public bool IsSpecial(int id) => id >= 256 && id < VocabSize;

    private static void AddBytes(List<int> ids, string text)
    {
        foreach (var b in Encoding.UTF8.GetBytes(text))
            ids.Add(b);
    }

    private static void Flush(StringBuilder text, List<byte> bytes)
    {
        if (bytes.Count == 0)
            return;
        text.Append(Encoding.UTF8.GetString(bytes.ToArray())); // invalid sequences become U+FFFD
        bytes.Clear();
    }
}
