using Forge.Training.Generation;
using Forge.Training.Lora;
using Forge.Training.Model;
using Forge.Training.Rl;
using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Training.Tests.Lora;

/// <summary>A tiny model, its adapters and RL samples for the LoRA tests.</summary>
internal static class LoraFixtures
{
    public static readonly int[] Prompt = [10, 11, 12, 13];

    public static LoraOptions Options(int rank = 4, double alpha = 8) => new() { Rank = rank, Alpha = alpha };

    public static Tensor Ids() => tensor(new long[] { 1, 5, 9, 2, 7, 3, 11, 4 }).view(2, 4);   // [2, 4]

    public static Tensor Logits(CausalTransformer model)
    {
        using var noGrad = no_grad();
        return model.call(Ids());   // [2, 4, V]
    }

    /// <summary>Gives every adapter a non-zero B, so that the adapted model differs from its base.</summary>
    public static void Perturb(LoraAdapters adapters, long seed = 7)
    {
        using var generator = new torch.Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var (_, layer) in adapters.Layers)
            layer.B.copy_(randn(layer.B.shape, generator: generator) * 0.05);
    }

    public static TrainingSample Sample(CausalTransformer model, int[] response, double advantage)
    {
        int[] ids = [.. Prompt, .. response];
        var mask = ids.Select((_, i) => i >= Prompt.Length).ToArray();
        float[] perToken = new float[ids.Length];
        using (no_grad())
        {
            var lp = LogProbs.ForSequences(model, [ids], 1.0)[0];   // lp[t] = log p(ids[t+1])
            for (var i = Prompt.Length; i < ids.Length; i++) perToken[i] = lp[i - 1];
        }
        return new TrainingSample(new EncodedConversation(ids, mask, perToken, true), advantage);
    }

    public static Dictionary<string, Tensor> Weights(CausalTransformer model) =>
        model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
}
