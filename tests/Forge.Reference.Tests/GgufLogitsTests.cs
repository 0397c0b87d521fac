using System.Text.Json.Nodes;
using Forge.Reference.Tests.HuggingFace;
using Forge.Reference.Tests.LlamaCpp;
using Forge.Training.Checkpoints.Gguf;
using Forge.Training.Tests.Models.HuggingFace;
using Xunit.Abstractions;

namespace Forge.Reference.Tests;

/// <summary>
/// Forge's forward pass against llama.cpp's on the same random Hugging Face checkpoint: the checkpoint is written
/// in HF layout, exported to GGUF F32, run by llama.cpp with exact settings, and loaded by Forge from the folder;
/// the logits of every position must agree to float32 accuracy.
/// </summary>
[Collection(LlamaCppCollection.Name)]
public sealed class GgufLogitsTests(ITestOutputHelper output) : IDisposable
{
    // Relative to the largest |logit|; float32 sums over widths of ~100 differ by ~1e-6 between implementations.
    private const double Tolerance = 1e-4;

    private readonly string directory = Path.Combine(Path.GetTempPath(), "forge-gguf-" + Guid.NewGuid().ToString("N"));

    // Bytes of "the cat sat in the hat" and some merged and special tokens; long enough for rope scaling to matter.
    private static readonly int[] Ids =
        [0, 256, 257, 32, 99, 97, 116, 32, 115, 97, 116, 258, 259, 32, 257, 32, 104, 97, 116, 10, 260, 261, 49, 50, 51, 262, 263, 33, 200, 255, 7, 120];

    public static TheoryData<string> Cases => [.. Specs.Keys];

    private static readonly Dictionary<string, CheckpointSpec> Specs = new()
    {
        ["llama"] = new() { Architecture = "LlamaForCausalLM", NormEps = 1e-5 },
        ["llama-gqa-llama3-rope"] = new()
        {
            Architecture = "LlamaForCausalLM", Heads = 4, KvHeads = 2, RopeTheta = 500000,
            RopeScaling = new JsonObject { ["rope_type"] = "llama3", ["factor"] = 8.0, ["low_freq_factor"] = 1.0, ["high_freq_factor"] = 4.0, ["original_max_position_embeddings"] = 64 },
        },
        ["llama-gqa-linear-rope"] = new()
        {
            Architecture = "LlamaForCausalLM", Heads = 8, KvHeads = 2, Hidden = 64, Tied = true,
            RopeScaling = new JsonObject { ["rope_type"] = "linear", ["factor"] = 4.0 },
        },
        ["qwen2"] = new() { Architecture = "Qwen2ForCausalLM", Heads = 4, KvHeads = 2, RopeTheta = 1000000, Tied = true },
        ["qwen3"] = new() { Architecture = "Qwen3ForCausalLM", Heads = 4, KvHeads = 2, HeadDim = 24, RopeTheta = 1000000, Tied = true, ExtraVocab = 9 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Logits_MatchLlamaCpp(string name)
    {
        var spec = Specs[name];
        RandomCheckpoint.Write(directory, spec, seed: 11);
        var gguf = Path.Combine(directory, "model.gguf");
        GgufExport.Write(directory, gguf, GgmlType.F32);

        AssertShapeAsWritten(LlamaCppReference.Metadata(gguf), spec);
        var reference = LlamaCppReference.Logits(gguf, Ids);
        Compare(name, reference, ForgeSide.Logits(directory, Ids), Ids.Length);
    }

    // The loader tests' folders: the published configs' fields (Llama 3.2 with llama3 rope and head_dim, Qwen2.5 with
    // sliding window off, Qwen3 untied, Mistral v0.3), stored as BF16 in two shards; Forge loads them in float32.
    [Theory]
    [InlineData("llama")]
    [InlineData("qwen2")]
    [InlineData("qwen3")]
    [InlineData("mistral")]
    public void PublishedConfigShapes_MatchLlamaCpp(string architecture)
    {
        var config = HfFolders.Config(architecture);
        HfFolders.Write(directory, config, HfFolders.Weights(config), "BF16", shards: 2);
        CharTokenizer.Write(directory, size: (int)config["vocab_size"]!);
        var gguf = Path.Combine(directory, "model.gguf");
        GgufExport.Write(directory, gguf, GgmlType.F32);
        int[] ids = [3, 17, 42, 5, 63, 0, 29, 11, 50, 8, 61, 2, 33, 19, 47, 1];
        Compare(architecture + " (published config)", LlamaCppReference.Logits(gguf, ids), ForgeSide.Logits(directory, ids), ids.Length);
    }

    private void Compare(string name, float[][] reference, float[][] ours, int positions)
    {
        var scale = reference.Max(row => row.Max(Math.Abs));
        var worst = (Diff: 0.0, Position: 0, Token: 0);
        for (var t = 0; t < positions; t++)
            for (var v = 0; v < reference[t].Length; v++)
                if (Math.Abs(ours[t][v] - reference[t][v]) is var d && d > worst.Diff)
                    worst = (d, t, v);
        output.WriteLine($"{name}: max |Δlogit| = {worst.Diff:E2} at position {worst.Position}, token {worst.Token}; max |logit| = {scale:F3}; relative {worst.Diff / scale:E2}");
        Assert.True(scale > 0.1, $"{name}: the reference logits are degenerate (max |logit| {scale}).");
        Assert.True(worst.Diff <= Tolerance * scale,
            $"{name}: position {worst.Position}, token {worst.Token}: Forge {ours[worst.Position][worst.Token]}, llama.cpp {reference[worst.Position][worst.Token]} (|Δ| {worst.Diff:E2} > {Tolerance * scale:E2}).");
    }

    // What llama.cpp read must be what the test wrote into config.json, not only what Forge's reader made of it.
    private static void AssertShapeAsWritten(IReadOnlyDictionary<string, string> metadata, CheckpointSpec spec)
    {
        var a = metadata["general.architecture"];
        double Number(string key) => double.Parse(metadata[$"{a}.{key}"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(spec.Hidden, Number("embedding_length"));
        Assert.Equal(spec.Layers, Number("block_count"));
        Assert.Equal(spec.Heads, Number("attention.head_count"));
        Assert.Equal(spec.KvHeads, Number("attention.head_count_kv"));
        Assert.Equal(spec.HeadSize, Number("attention.key_length"));
        Assert.Equal(spec.Intermediate, Number("feed_forward_length"));
        Assert.Equal(spec.RopeTheta, Number("rope.freq_base"), 1e-6 * spec.RopeTheta);
        Assert.Equal(spec.NormEps, Number("attention.layer_norm_rms_epsilon"), 1e-9);
        if ((string?)spec.RopeScaling?["rope_type"] == "linear")
            Assert.Equal((double)spec.RopeScaling!["factor"]!, Number("rope.scaling.factor"));
    }

    public void Dispose()
    {
        if (Directory.Exists(directory))
            Directory.Delete(directory, recursive: true);
    }
}
