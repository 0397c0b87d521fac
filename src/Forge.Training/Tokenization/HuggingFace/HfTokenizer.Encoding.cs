namespace Forge.Training.Tokenization.HuggingFace;

public sealed partial class HfTokenizer
{
    /// <summary>
    /// Encodes <paramref name="text"/> without adding anything around it. With <paramref name="parseSpecialTokens"/>,
    /// special tokens written in the text become their ids (Hugging Face's default); without, their text is encoded as
    /// ordinary text (<c>split_special_tokens</c>). Non-special added tokens are always matched, as in Hugging Face.
    /// </summary>
    public IReadOnlyList<int> Encode(string text, bool parseSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        var atStart = true; // nothing has come before this piece of the input
        foreach (var (raw, rawToken) in rawMatcher.Split(text, parseSpecialTokens))
        {
            if (rawToken is not null)
            {
                ids.Add(rawToken.Id);
                atStart = false;
                continue;
            }
            var normalized = file.Normalizer is { } normalize ? normalize(raw) : raw;
            foreach (var (piece, token) in normalizedMatcher.Split(normalized, parseSpecialTokens))
            {
                if (token is not null)
                    ids.Add(token.Id);
                else if (file.PreTokenizer is { } preTokenize)
                    foreach (var word in preTokenize(piece, atStart))
                        file.Model.Encode(word, ids);
                else
                    file.Model.Encode(piece, ids);
                atStart = false;
            }
        }
        return ids;
    }

    /// <summary>
    /// Encodes like Hugging Face's <c>encode(text)</c> (<c>add_special_tokens=True</c>): <see cref="Encode"/>, then the
    /// post-processor's tokens around it (Llama 3.1's and Gemma's BOS; nothing for Qwen).
    /// </summary>
    public IReadOnlyList<int> EncodeWithSpecialTokens(string text, bool parseSpecialTokens = true)
    {
        var ids = Encode(text, parseSpecialTokens);
        return postProcessor is { } process ? process(ids) : ids;
    }

    /// <summary>
    /// Decodes ids through the tokenizer's decoder; special tokens are written as their text unless skipped. No
    /// clean-up of spaces is done, so decoding the ids of a text gives the text back.
    /// </summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var tokens = new List<string>();
        foreach (var id in ids)
        {
            var token = IdToToken(id) ?? throw new ArgumentOutOfRangeException(nameof(ids), $"token id {id} is outside this tokenizer's vocabulary (size {VocabSize}).");
            if (!(skipSpecialTokens && IsSpecial(id)))
                tokens.Add(token);
        }
        return file.Decoder is { } decode ? string.Concat(decode(tokens)) : string.Join(' ', tokens);
    }

    /// <summary>The token strings of <paramref name="ids"/>, as tokenizer.json spells them.</summary>
    public IReadOnlyList<string> Tokens(IEnumerable<int> ids) =>
        ids.Select(id => IdToToken(id) ?? throw new ArgumentOutOfRangeException(nameof(ids), $"token id {id} is outside this tokenizer's vocabulary (size {VocabSize}).")).ToList();
}
