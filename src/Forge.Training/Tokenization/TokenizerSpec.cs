using System.Text.Json.Serialization;

namespace Forge.Training.Tokenization;

/// <summary>
/// A serialisable description of a tokenizer: its kind (<c>byte</c> or <c>gpt2</c>) and the extra special tokens
/// added after the built-in ones, in id order. <see cref="Create"/> rebuilds an identical tokenizer.
/// </summary>
public sealed record TokenizerSpec
{
    /// <summary>Byte-level tokenizer (256 bytes + specials).</summary>
    public const string ByteKind = "byte";

    /// <summary>GPT-2 BPE (50257 tokens + specials).</summary>
    public const string Gpt2Kind = "gpt2";

    /// <summary><c>byte</c> or <c>gpt2</c>.</summary>
    [JsonPropertyName("kind")]
    public string Kind { get; init; } = ByteKind;

    /// <summary>Special tokens added beyond the built-in BOS/EOS/PAD, in id order.</summary>
    [JsonPropertyName("extra_special_tokens")]
    public IReadOnlyList<string> ExtraSpecialTokens { get; init; } = [];

    /// <summary>Builds the tokenizer this spec describes.</summary>
    public ITokenizer Create() => Kind switch
    {
        ByteKind => new ByteTokenizer(ExtraSpecialTokens),
        Gpt2Kind => new Gpt2Tokenizer(ExtraSpecialTokens),
        _ => throw new FormatException($"tokenizer kind '{Kind}' is unknown; expected '{ByteKind}' or '{Gpt2Kind}'."),
    };
}
