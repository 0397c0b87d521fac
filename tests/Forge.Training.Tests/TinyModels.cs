using Forge.Training.Model;

namespace Forge.Training.Tests;

/// <summary>Small, seeded models so tests run in milliseconds on two cores.</summary>
internal static class TinyModels
{
    public static TransformerConfig Config(int vocab = 40, MlpKind mlp = MlpKind.SwiGlu, bool tie = true) => new()
    {
        VocabSize = vocab, DModel = 32, Layers = 2, Heads = 4, FfMult = 2, MaxSeqLen = 64, Mlp = mlp, TieEmbeddings = tie,
    };

    public static CausalTransformer Create(TransformerConfig? config = null, long seed = 1) => new(config ?? Config(), seed);
}

/// <summary>Tests that read or reset TorchSharp's global RNG run alone (xUnit runs other classes in parallel).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalRngCollection
{
    public const string Name = "global RNG";
}
