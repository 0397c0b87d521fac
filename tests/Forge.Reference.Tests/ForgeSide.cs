using Forge.Training.Models.HuggingFace;
using static TorchSharp.torch;

namespace Forge.Reference.Tests;

/// <summary>Forge's logits for a Hugging Face folder, loaded as any user's folder is (float32, CPU).</summary>
internal static class ForgeSide
{
    public static float[][] Logits(string directory, IReadOnlyList<int> ids)
    {
        using var loaded = HfModelLoader.Load(directory, ScalarType.Float32);
        var model = loaded.Model;
        model.eval();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var logits = model.Forward(tensor(ids.Select(i => (long)i).ToArray()).unsqueeze(0))[0]; // [T, V]
        return [.. Enumerable.Range(0, ids.Count).Select(t => logits[t].data<float>().ToArray())];
    }
}
