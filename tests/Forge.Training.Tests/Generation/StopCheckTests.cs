using Forge.Training.Generation;
using TorchSharp;

namespace Forge.Training.Tests.Generation;

/// <summary>
/// What lets generation wait for an accelerator less than once per token keeps its results: looking at the stop condition
/// every k tokens, and drawing from device weights with noise made on the host. Both run here on the CPU, forced.
/// </summary>
public sealed class StopCheckTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(64)]
    public void Generate_LookingEveryKTokens_SameResultsAndGeneratorAsEveryToken(int k)
    {
        using var model = TinyModels.Create();
        // A third of the vocabulary stops a row, so rows end at different steps, most before their budget.
        var stop = Enumerable.Range(0, 40).Where(id => id % 3 == 0).ToArray();
        GenerationRequest[] requests = [new([1, 2, 3], stop), new([5], stop, MaxNewTokens: 4), new([7, 8], stop), new([9], stop)];
        var options = new SamplingOptions { Temperature = 1.0, MaxNewTokens = 20 };

        // Two calls in a row on one generator: the second shows the generator was left as a look every token leaves it.
        string[] Twice(int every)
        {
            using var rng = new torch.Generator(5);
            return [.. Enumerable.Range(0, 2).SelectMany(_ => Generator.Generate(model, requests, options, rng, every))
                .Select(r => $"{string.Join(',', r.Tokens)}|{string.Join(',', r.LogProbs)}|{r.FinishReason}")];
        }

        var everyToken = Twice(1);
        Assert.Equal(everyToken, Twice(k));
        Assert.Contains(everyToken, r => r.EndsWith("|Stop", StringComparison.Ordinal));   // the stop path is exercised
    }

    [Fact]
    public void Generate_AllRowsStopAtOnce_LaterCallsUnchanged()
    {
        using var model = TinyModels.Create();
        var everything = Enumerable.Range(0, 40).ToArray();   // every token stops: one step, then k − 1 steps drawn for nothing
        GenerationRequest[] requests = [new([1, 2], everything), new([3], everything)];
        var options = new SamplingOptions { Temperature = 1.0, MaxNewTokens = 16 };

        IReadOnlyList<int>[] Run(int every)
        {
            using var rng = new torch.Generator(9);
            Generator.Generate(model, requests, options, rng, every);
            return [.. Generator.Generate(model, [new GenerationRequest([4])], options, rng, every).Select(r => r.Tokens)];
        }

        Assert.Equal(Run(1), Run(8));
    }

    [Fact]
    public void DrawAsMultinomial_SameTokensAndGeneratorStateAsLibtorchMultinomial()
    {
        using var scope = torch.NewDisposeScope();
        var weights = torch.rand([6, 50], generator: new torch.Generator(3));                    // [6, 50]
        weights = weights.masked_fill(weights.lt(0.3), 0.0);                                     // zero weights never drawn
        using var a = new torch.Generator(17);
        using var b = new torch.Generator(17);
        for (var draw = 0; draw < 5; draw++)
        {
            var expected = weights.multinomial(1, generator: a).data<long>().ToArray();
            var actual = Sampling.DrawAsMultinomial(weights, b).data<long>().ToArray();
            Assert.Equal(expected, actual);
        }
        Assert.Equal(a.get_state().data<byte>().ToArray(), b.get_state().data<byte>().ToArray());
    }
}
