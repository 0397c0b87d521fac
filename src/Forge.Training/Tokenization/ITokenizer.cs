namespace Forge.Training.Tokenization;

/// <summary>
/// Text ↔ token ids for a policy model. Special tokens (BOS/EOS/PAD and any chat markers) are single ids that the
/// encoder recognises as literal strings in the text (unless told not to) and the decoder writes back verbatim.
/// </summary>
public interface ITokenizer
{
    /// <summary>Number of distinct ids: the model's embedding and output sizes.</summary>
    int VocabSize { get; }

    /// <summary>Beginning-of-sequence id.</summary>
    int BosId { get; }

    /// <summary>End-of-sequence id.</summary>
    int EosId { get; }

    /// <summary>Padding id (never sampled on purpose; used to fill batches).</summary>
    int PadId { get; }

    /// <summary>All special tokens: literal text → id.</summary>
    IReadOnlyDictionary<string, int> SpecialTokens { get; }

    /// <summary>How to rebuild this tokenizer (stored in checkpoints).</summary>
    TokenizerSpec Spec { get; }

    /// <summary>
    /// Encodes <paramref name="text"/>. When <paramref name="parseSpecialTokens"/> is true, literal special-token
    /// strings become their single ids; when false, they are encoded as ordinary text (for untrusted content).
    /// </summary>
    IReadOnlyList<int> Encode(string text, bool parseSpecialTokens = true);

    /// <summary>Decodes ids to text; special tokens are written as their literal text unless skipped.</summary>
    string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false);

    /// <summary>The id of a special token, e.g. <c>TokenId("&lt;|im_end|&gt;")</c>; throws <see cref="KeyNotFoundException"/> naming the known ones.</summary>
    int SpecialTokenId(string token);

    /// <summary>True when <paramref name="id"/> is a special token.</summary>
    bool IsSpecial(int id);
}
