using Forge.Training.Generation;
using Forge.Training.Model;
using static TorchSharp.torch;

namespace Forge.Training.Tests.Generation;

/// <summary>One prefill pass for prompts of different lengths, a shared prefix run once: each row's logits are those of its prompt alone.</summary>
public sealed class PromptPrefillTests
{
    private static readonly int[][] Prompts =
    [
        [5, 9, 2, 7, 7, 1, 3, 8],
        [5, 9, 2, 7, 7, 4],
        [5, 9, 2, 7, 7, 1, 3, 8, 8, 6, 2, 1],
    ];

    // Logits [V] for the next token after prompt, from a plain forward pass over it alone.
    private static float[] Alone(CausalTransformer model, int[] prompt)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var ids = tensor(prompt.Select(x => (long)x).ToArray(), [1, prompt.Length]);
        return model.Forward(ids)[0, -1].data<float>().ToArray();
    }

    private static float[][] Prefilled(CausalTransformer model, int[][] prompts, bool sharePrefix, out PromptPrefill layout)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        layout = new PromptPrefill(prompts, sharePrefix);
        using var cache = new KvCache(model.Config, prompts.Length, layout.Width, model.Device);
        var mask = tensor(layout.KeyMask(layout.Width), [prompts.Length, layout.Width]);
        var logits = layout.Run(model, cache, mask);                                   // [B, V]
        Assert.Equal(layout.Width, cache.Length);
        var rows = logits.data<float>().ToArray();
        var v = (int)logits.shape[1];
        return [.. Enumerable.Range(0, prompts.Length).Select(i => rows[(i * v)..((i + 1) * v)])];
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Run_PromptsOfDifferentLengths_EachRowHasTheLogitsOfItsPromptAlone(bool sharePrefix)
    {
        using var model = TinyModels.Create();
        model.eval();

        var rows = Prefilled(model, Prompts, sharePrefix, out var layout);

        Assert.Equal(sharePrefix ? 5 : 0, layout.Shared);
        for (var i = 0; i < Prompts.Length; i++)
        {
            var alone = Alone(model, Prompts[i]);
            for (var t = 0; t < alone.Length; t++)
                Assert.True(Math.Abs(alone[t] - rows[i][t]) < 1e-4, $"row {i}, token {t}: {alone[t]} alone, {rows[i][t]} prefilled (shared prefix {layout.Shared})");
        }
    }

    [Fact]
    public void KeyMask_SharedPrefixThenPaddingThenOwnTokens()
    {
        var layout = new PromptPrefill([[1, 2, 3, 4], [1, 2, 5]]);

        Assert.Equal(2, layout.Shared);
        Assert.Equal(4, layout.Width);
        Assert.Equal([0, 1], new[] { layout.Padding(0), layout.Padding(1) });
        Assert.Equal(
            [true, true, true, true, false,
             true, true, false, true, false],
            layout.KeyMask(5));
    }

    [Fact]
    public void SharedLength_OnePromptOrAPromptThatIsAllPrefix_KeepsOneOwnToken()
    {
        Assert.Equal(0, PromptPrefill.SharedLength([[1, 2, 3]]));
        Assert.Equal(2, PromptPrefill.SharedLength([[1, 2, 3], [1, 2, 3, 4]]));
        Assert.Equal(0, PromptPrefill.SharedLength([[1, 2, 3], [2, 2, 3]]));
    }

    [Fact]
    public void Run_NoMaskForSeveralRows_Throws()
    {
        using var model = TinyModels.Create();
        var layout = new PromptPrefill([[1, 2, 3], [1, 2, 4]]);
        using var cache = new KvCache(model.Config, 2, layout.Width, model.Device);

        var e = Assert.Throws<ArgumentException>(() => layout.Run(model, cache, null));
        Assert.Contains("key mask", e.Message);
    }
}
