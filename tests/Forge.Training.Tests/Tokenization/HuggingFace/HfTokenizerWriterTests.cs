using Forge.Training.Tokenization;
using Forge.Training.Tokenization.HuggingFace;

namespace Forge.Training.Tests.Tokenization.HuggingFace;

/// <summary>
/// Forge's byte and GPT-2 tokenizers written as Hugging Face files load back (in <see cref="HfTokenizer"/> and in the
/// reference) with the original tokenizer's ids on the whole corpus.
/// </summary>
public sealed class HfTokenizerWriterTests : IDisposable
{
    private static readonly string[] Extras = ["<|im_start|>", "<|im_end|>", "<tool_call>"];
    private readonly string _dir = Directory.CreateTempSubdirectory("forge-hf-writer-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> Kinds => [TokenizerSpec.ByteKind, TokenizerSpec.Gpt2Kind];

    private static ITokenizer Original(string kind) => new TokenizerSpec { Kind = kind, ExtraSpecialTokens = Extras }.Create();

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Save_ThenLoad_GivesTheOriginalIdsSpecialTokensAndText(string kind)
    {
        var original = Original(kind);
        Assert.Equal([HfTokenizer.TokenizerFileName, HfTokenizer.ConfigFileName], HfTokenizerFiles.Save(original, _dir));
        var loaded = HfTokenizer.Load(_dir);

        Assert.Equal(original.VocabSize, loaded.VocabSize);
        Assert.Equal(original.SpecialTokens.OrderBy(p => p.Value), loaded.SpecialTokens.OrderBy(p => p.Value));
        Assert.Equal((original.BosId, original.EosId, original.PadId), (loaded.BosId, loaded.EosId, loaded.PadId));
        foreach (var text in ReferenceTokenizers.Corpus)
        {
            Assert.Equal(original.Encode(text), loaded.Encode(text));
            Assert.Equal(original.Encode(text, parseSpecialTokens: false), loaded.Encode(text, parseSpecialTokens: false));
            Assert.Equal(original.Encode(text), loaded.EncodeWithSpecialTokens(text)); // nothing added around the text
            Assert.Equal(original.Decode(original.Encode(text)), loaded.Decode(loaded.Encode(text)));
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Kinds))]
    public void Save_ReferenceEncodesWrittenFiles_AsTheOriginal(string kind)
    {
        var original = Original(kind);
        HfTokenizerFiles.Save(original, _dir);

        var reference = ReferenceTokenizers.Encode(_dir);

        for (var i = 0; i < ReferenceTokenizers.Corpus.Count; i++)
        {
            var text = ReferenceTokenizers.Corpus[i];
            Assert.True(original.Encode(text).SequenceEqual(reference.Items[i].Ids), $"[{i}] {text}");
            Assert.True(original.Encode(text, parseSpecialTokens: false).SequenceEqual(reference.Items[i].PlainIds), $"[{i}] plain: {text}");
        }
    }

    [SkippableFact]
    public void Save_HfTokenizer_CopiesItsFiles()
    {
        var source = ReferenceTokenizers.ModelFolder("qwen3");
        var copied = HfTokenizerFiles.Save(HfTokenizer.Load(source), _dir);

        Assert.Equal([HfTokenizer.TokenizerFileName, HfTokenizer.ConfigFileName], copied);
        foreach (var name in copied)
            Assert.Equal(File.ReadAllBytes(Path.Combine(source, name)), File.ReadAllBytes(Path.Combine(_dir, name)));
    }
}
