using Forge.Reference.Tests.HuggingFace;
using Forge.Reference.Tests.LlamaCpp;
using Forge.Training.Checkpoints.Gguf;
using Xunit.Abstractions;

namespace Forge.Reference.Tests;

/// <summary>What llama.cpp reads back from an exported GGUF file: metadata, tokenizer, half-precision weights.</summary>
[Collection(LlamaCppCollection.Name)]
public sealed class GgufFileTests(ITestOutputHelper output) : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "forge-gguf-" + Guid.NewGuid().ToString("N"));

    private static readonly CheckpointSpec Qwen3 = new()
    {
        Architecture = "Qwen3ForCausalLM", Heads = 4, KvHeads = 2, HeadDim = 24, RopeTheta = 1000000, Tied = true, ExtraVocab = 9,
    };

    [Fact]
    public void Metadata_DescribesTheModel()
    {
        var gguf = Export(Qwen3, GgmlType.F32);
        var metadata = LlamaCppReference.Metadata(gguf);
        Assert.Equal("qwen3", metadata["general.architecture"]);
        Assert.Equal("64", metadata["qwen3.embedding_length"]);
        Assert.Equal("2", metadata["qwen3.block_count"]);
        Assert.Equal("4", metadata["qwen3.attention.head_count"]);
        Assert.Equal("2", metadata["qwen3.attention.head_count_kv"]);
        Assert.Equal("24", metadata["qwen3.attention.key_length"]);
        Assert.Equal("96", metadata["qwen3.feed_forward_length"]);
        Assert.Equal("256", metadata["qwen3.context_length"]);
        Assert.Equal("1000000.000000", metadata["qwen3.rope.freq_base"]);
        Assert.Equal("gpt2", metadata["tokenizer.ggml.model"]);
        Assert.Equal("qwen2", metadata["tokenizer.ggml.pre"]);
        Assert.Equal("32", metadata["general.alignment"]);
        Assert.StartsWith("{% for m in messages %}", metadata["tokenizer.chat_template"]);
    }

    [Fact]
    public void Tokenizer_EncodesAsTheMergesSay()
    {
        var gguf = Export(Qwen3, GgmlType.F32);
        var (count, bos, eos, ids, _, _) = LlamaCppReference.Vocabulary(gguf, ["the cat sat in the hat<|im_end|>"]);
        // Bytes are ids 0-255 (' ' = 32); merges: 256 "th", 257 "the", 258 "Ġa", 259 "in", 260 "Ġthe"; specials
        // 261 <|endoftext|>, 262 <|im_start|>, 263 <|im_end|>; nine [PAD] rows after them.
        Assert.Equal(273, count);
        Assert.Equal(261, bos);
        Assert.Equal(263, eos);
        Assert.Equal([257, 32, 99, 97, 116, 32, 115, 97, 116, 32, 259, 260, 32, 104, 97, 116, 263], ids[0]);
    }

    [Theory]
    [InlineData(GgmlType.F16, 2e-3)]
    [InlineData(GgmlType.BF16, 2e-2)]
    public void HalfPrecision_StaysCloseToF32(GgmlType type, double tolerance)
    {
        int[] ids = [261, 257, 32, 99, 97, 116, 32, 115, 97, 116, 32, 259, 260, 32, 104, 97, 116, 263];
        var exact = LlamaCppReference.Logits(Export(Qwen3, GgmlType.F32), ids);
        var half = LlamaCppReference.Logits(Export(Qwen3, type, "half.gguf"), ids);
        var scale = exact.Max(row => row.Max(Math.Abs));
        var worst = exact.Zip(half, (e, h) => e.Zip(h, (a, b) => Math.Abs(a - b)).Max()).Max();
        output.WriteLine($"{type}: max |Δlogit| vs F32 = {worst:E2}; max |logit| = {scale:F2}; relative {worst / scale:E2}");
        Assert.True(worst > 0, $"{type} weights gave exactly the F32 logits: were they written in F32?");
        Assert.True(worst <= tolerance * scale, $"{type}: max |Δlogit| {worst:E2} > {tolerance * scale:E2}.");
    }

    private string Export(CheckpointSpec spec, GgmlType type, string file = "model.gguf")
    {
        if (!File.Exists(Path.Combine(directory, "config.json")))
            RandomCheckpoint.Write(directory, spec, seed: 5);
        var gguf = Path.Combine(directory, file);
        GgufExport.Write(directory, gguf, type);
        return gguf;
    }

    public void Dispose()
    {
        if (Directory.Exists(directory))
            Directory.Delete(directory, recursive: true);
    }
}
