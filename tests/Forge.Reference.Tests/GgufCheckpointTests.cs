using Forge.Reference.Tests.LlamaCpp;
using Forge.Training.Checkpoints;
using Forge.Training.Checkpoints.Gguf;
using Forge.Training.Model;
using Forge.Training.Tokenization;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Forge.Reference.Tests;

/// <summary>A Forge checkpoint (its own byte or GPT-2 tokenizer, its own weight names) exported to GGUF runs in llama.cpp as in Forge.</summary>
[Collection(LlamaCppCollection.Name)]
public sealed class GgufCheckpointTests(ITestOutputHelper output) : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("forge-gguf-ckpt-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Theory]
    [InlineData(TokenizerSpec.ByteKind)]
    [InlineData(TokenizerSpec.Gpt2Kind)]
    public void ForgeCheckpoint_TokenizesAndComputesAsInForge(string kind)
    {
        var tokenizer = new TokenizerSpec { Kind = kind, ExtraSpecialTokens = ["<|im_start|>", "<|im_end|>"] }.Create();
        var config = new TransformerConfig { VocabSize = tokenizer.VocabSize, DModel = 48, Layers = 2, Heads = 4, KvHeads = 2, FfMult = 2, MaxSeqLen = 128 };
        using (var model = new CausalTransformer(config, seed: 3))
        {
            using (no_grad())
                foreach (var p in model.parameters())
                    p.mul_(8); // the default initialisation is small; larger weights make the logits differ visibly
            Checkpoint.Save(Path.Combine(root, "ckpt"), model, tokenizer, new TrainingProgress(Step: 1, PolicyVersion: 1));
        }
        var gguf = Path.Combine(root, "policy.gguf");
        var result = GgufExport.Write(Path.Combine(root, "ckpt"), gguf, GgmlType.F32);
        Assert.Equal("llama", result.Architecture);

        const string text = "<|im_start|>Héllo, wörld 👋 it's 2024!\n\n\tcode:  x = y[3]   <|im_end|>";
        var (count, bos, eos, llamaIds, _, _) = LlamaCppReference.Vocabulary(gguf, [text]);
        Assert.Equal(tokenizer.VocabSize, count);
        Assert.Equal(tokenizer.BosId, bos);
        Assert.Equal(tokenizer.EosId, eos);
        var ids = tokenizer.Encode(text);
        Assert.Equal(ids, llamaIds[0]);

        var reference = LlamaCppReference.Logits(gguf, ids);
        using var loaded = Checkpoint.Load(Path.Combine(root, "ckpt"));
        loaded.Model.eval();
        using var _ = no_grad();
        using var logits = loaded.Model.Forward(tensor(ids.Select(i => (long)i).ToArray()).unsqueeze(0))[0]; // [T, V]
        var ours = logits.data<float>().ToArray();
        var scale = reference.Max(row => row.Max(Math.Abs));
        var worst = Enumerable.Range(0, ids.Count).Max(t => Enumerable.Range(0, count).Max(v => Math.Abs(ours[t * count + v] - reference[t][v])));
        output.WriteLine($"Forge checkpoint, {kind} tokenizer ({ids.Count} ids): max |Δlogit| = {worst:E2}; max |logit| = {scale:F2}; relative {worst / scale:E2}");
        Assert.True(scale > 1, $"the reference logits are degenerate (max |logit| {scale}).");
        Assert.True(worst <= 1e-4 * scale, $"max |Δlogit| {worst:E2} > {1e-4 * scale:E2}.");
    }
}
