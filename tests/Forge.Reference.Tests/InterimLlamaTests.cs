using Forge.Reference.Tests.HuggingFace;
using Forge.Reference.Tests.LlamaCpp;
using Forge.Training.Checkpoints;
using Forge.Training.Checkpoints.Gguf;
using Forge.Training.Model;
using static TorchSharp.torch;

namespace Forge.Reference.Tests;

public sealed class InterimLlamaTests
{
    [Fact]
    public void Llama_MatchesLlamaCpp()
    {
        var dir = Path.Combine(Path.GetTempPath(), "forge-gguf-" + Guid.NewGuid().ToString("N"));
        var spec = new CheckpointSpec { Architecture = "LlamaForCausalLM", Tied = false, Intermediate = 96, NormEps = 1e-5 };
        RandomCheckpoint.Write(dir, spec, 7);
        var gguf = Path.Combine(dir, "model.gguf");
        GgufExport.Write(dir, gguf);
        int[] ids = [263, 5, 72, 101, 108, 108, 111, 32, 1, 200, 100, 262];
        var reference = LlamaCppReference.Logits(gguf, ids);
        var config = new TransformerConfig { VocabSize = SyntheticTokenizer.Size(3), DModel = 64, Layers = 2, Heads = 4, FfMult = 1.5, MaxSeqLen = 256, TieEmbeddings = false, NormEps = 1e-5 };
        var model = new CausalTransformer(config);
        WeightLoader.LoadSafetensors(model, Path.Combine(dir, "model.safetensors"), WeightNameMap.Llama);
        model.eval();
        using var _ = no_grad();
        var logits = model.Forward(tensor(ids.Select(i => (long)i).ToArray()).unsqueeze(0))[0];
        var ours = logits.data<float>().ToArray();
        double max = 0, scale = 0;
        for (var t = 0; t < ids.Length; t++)
            for (var v = 0; v < config.VocabSize; v++)
            {
                max = Math.Max(max, Math.Abs(ours[t * config.VocabSize + v] - reference[t][v]));
                scale = Math.Max(scale, Math.Abs(reference[t][v]));
            }
        Console.WriteLine($"max abs diff {max}, max |logit| {scale}");
        Assert.True(max < 1e-3, $"max abs diff {max}");
    }
}
