using System.Text.Json.Serialization;
using Forge.Training.Tokenization.HuggingFace;

namespace Forge.Training.Tokenization;

/// <summary>
/// A serialisable description of a tokenizer: its kind (<c>byte</c>, <c>gpt2</c> or <c>hf</c>), the extra special tokens
/// added after the built-in ones, in id order, and for <c>hf</c> the folder holding the Hugging Face tokenizer files.
/// <see cref="Create"/> rebuilds an identical tokenizer.
/// </summary>
public sealed record TokenizerSpec
{
    /// <summary>Byte-level tokenizer (256 bytes + specials).</summary>
    public const string ByteKind = "byte";

    /// <summary>GPT-2 BPE (50257 tokens + specials).</summary>
    public const string Gpt2Kind = "gpt2";

    /// <summary>A Hugging Face tokenizer folder (tokenizer.json + tokenizer_config.json), see <see cref="Path"/>.</summary>
    public const string HfKind = "hf";

    /// <summary><c>byte</c>, <c>gpt2</c> or <c>hf</c>.</summary>
    [JsonPropertyName("kind")]
    public string Kind { get; init; } = ByteKind;

    /// <summary>Special tokens added beyond the built-in BOS/EOS/PAD, in id order.</summary>
    [JsonPropertyName("extra_special_tokens")]
    public IReadOnlyList<string> ExtraSpecialTokens { get; init; } = [];

    /// <summary>
    /// For <c>hf</c>: the folder of the tokenizer files, absolute or relative to the directory given to
    /// <see cref="Create"/> (a checkpoint stores it relative to itself). Null for the other kinds.
    /// </summary>
    [JsonPropertyName("path")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Path { get; init; }

    /// <summary>Builds the tokenizer this spec describes; a relative <see cref="Path"/> is taken from <paramref name="relativeTo"/>.</summary>
    public ITokenizer Create(string? relativeTo = null) => Kind switch
    {
        ByteKind => new ByteTokenizer(ExtraSpecialTokens),
        Gpt2Kind => new Gpt2Tokenizer(ExtraSpecialTokens),
        HfKind when Path is null => throw new FormatException($"tokenizer kind '{HfKind}' needs a 'path' to the folder holding {HfTokenizer.TokenizerFileName}."),
        HfKind when ExtraSpecialTokens.Count > 0 => throw new FormatException($"tokenizer kind '{HfKind}' takes its special tokens from {HfTokenizer.TokenizerFileName}; 'extra_special_tokens' must be empty."),
        HfKind => HfTokenizer.Load(System.IO.Path.Combine(relativeTo ?? Directory.GetCurrentDirectory(), Path)),
        _ => throw new FormatException($"tokenizer kind '{Kind}' is unknown; expected '{ByteKind}', '{Gpt2Kind}' or '{HfKind}'."),
    };
}
