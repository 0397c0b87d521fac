using Forge.Training.Generation;
using Forge.Training.Model;

namespace Forge.Training.Tests.Generation;

/// <summary>Continuous batching: sequences that join and leave a running batch draw what they draw alone.</summary>
public sealed class DecodeBatchTests
{
    private static DecodeRequest Request(int[] prompt, long seed, int tokens = 12, double temperature = 1.0, double topP = 1.0, int[]? stop = null) =>
        new(prompt, stop ?? [], tokens, temperature, topP, seed, TopLogProbs: 3);

    // Runs requests to the end; request i joins before step joinAt[i].
    private static List<DecodedToken>[] Run(DecodeBatch batch, DecodeRequest[] requests, int[] joinAt)
    {
        var results = requests.Select(_ => new List<DecodedToken>()).ToArray();
        var rows = new DecodeRow?[requests.Length];
        for (var step = 0; step < 200 && (rows.Any(r => r is null) || rows.Any(r => r!.InBatch)); step++)
        {
            for (var i = 0; i < requests.Length; i++)
                if (rows[i] is null && joinAt[i] <= step && !batch.IsFull) rows[i] = batch.Add(requests[i]);
            foreach (var (row, token) in batch.Step())
                if (Array.IndexOf(rows, row) is var i and >= 0) results[i].Add(token);
        }
        return results;
    }

    private static List<DecodedToken> Alone(Forge.Training.Model.CausalTransformer model, DecodeRequest request, int capacity = 64)
    {
        using var batch = new DecodeBatch(model, 1, capacity);
        return Run(batch, [request], [0])[0];
    }

    private static void AssertSame(List<DecodedToken> expected, List<DecodedToken> actual, int row = 0)
    {
        Assert.True(expected.Select(t => t.Id).SequenceEqual(actual.Select(t => t.Id)), $"row {row}: {string.Join(',', expected.Select(t => t.Id))} alone, {string.Join(',', actual.Select(t => t.Id))} batched");
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].LogProb, actual[i].LogProb, 1e-4);
            Assert.Equal(expected[i].Top.Select(t => t.Id), actual[i].Top.Select(t => t.Id));
        }
    }

    [Fact]
    public void Step_RowsJoiningAtDifferentSteps_SameTokensAsEachAlone()
    {
        using var model = TinyModels.Create();
        DecodeRequest[] requests = [Request([1, 2, 3], 7), Request([5], 8, tokens: 5), Request([9, 8, 7, 6, 5, 4, 3, 2], 9, topP: 0.8), Request([4, 4], 7, temperature: 0)];
        using var batch = new DecodeBatch(model, 4, 64);

        var together = Run(batch, requests, [0, 2, 3, 7]);

        for (var i = 0; i < requests.Length; i++)
            AssertSame(Alone(model, requests[i]), together[i], i);
        Assert.Equal(5, together[1].Count);
        Assert.Equal(0, batch.Count);
    }

    [Fact]
    public void AddRange_PromptsOfDifferentLengthsPrefilledTogether_SameTokensAsEachAlone()
    {
        using var model = TinyModels.Create();
        var running = Request([3, 1, 4, 1, 5], 11, tokens: 14);
        DecodeRequest[] joining = [Request([1, 2, 3], 7), Request([5], 8, tokens: 5), Request([9, 8, 7, 6, 5, 4, 3, 2, 1, 2, 3], 9, topP: 0.8), Request([4, 4], 7, temperature: 0)];

        // One forward over the four prompts, left-padded to 11.
        JoinAfterStepsThenAssertEachAsAlone(model, running, stepsBefore: 2, joining);
    }

    [Fact]
    public void AddRange_PromptsSharingAPrefix_PrefixRunOnceAndSameTokensAsEachAlone()
    {
        using var model = TinyModels.Create();
        var running = Request([3, 1, 4, 1, 5, 9, 2], 11, tokens: 16);
        int[] preamble = [7, 7, 2, 9, 1, 8];   // a system prompt every joining request begins with
        DecodeRequest[] joining =
        [
            Request([.. preamble, 3], 7), Request([.. preamble, 4, 4, 4, 1, 2], 8, tokens: 6),
            Request([.. preamble, 5, 6], 9, topP: 0.8), Request([.. preamble, 9, 8, 7], 7, temperature: 0),
        ];

        Assert.Equal(preamble.Length, PromptPrefill.SharedLength([.. joining.Select(r => r.Prompt)]));
        JoinAfterStepsThenAssertEachAsAlone(model, running, stepsBefore: 3, joining);
    }

    // `running` decodes alone for `stepsBefore` steps, then `joining` join it in one AddRange; every row, the running
    // one included, must draw the tokens it draws decoded alone.
    private static void JoinAfterStepsThenAssertEachAsAlone(CausalTransformer model, DecodeRequest running, int stepsBefore, DecodeRequest[] joining)
    {
        using var batch = new DecodeBatch(model, 5, 64);
        var first = batch.Add(running);
        var results = new Dictionary<DecodeRow, List<DecodedToken>> { [first] = [] };
        for (var step = 0; step < stepsBefore; step++)
            foreach (var (row, token) in batch.Step()) results[row].Add(token);

        var rows = batch.AddRange(joining);
        foreach (var row in rows) results[row] = [];
        for (var step = 0; step < 40 && batch.Count > 0; step++)
            foreach (var (row, token) in batch.Step()) results[row].Add(token);

        AssertSame(Alone(model, running), results[first]);
        for (var i = 0; i < joining.Length; i++)
            AssertSame(Alone(model, joining[i]), results[rows[i]], i + 1);
    }

    [Fact]
    public void Step_SeveralRowsEndAtOneStep_RowsMovedIntoTheirSlotsGoOnAsAlone()
    {
        using var model = TinyModels.Create();
        DecodeRequest[] requests =
        [
            Request([1, 2, 3], 7, tokens: 4), Request([5, 6], 8, tokens: 15), Request([9, 8, 7, 6], 9, tokens: 4),
            Request([4, 4], 10, tokens: 12), Request([2], 11, tokens: 4), Request([3, 3, 3], 12, tokens: 9),
        ];
        using var batch = new DecodeBatch(model, 6, 64);

        var together = Run(batch, requests, [0, 0, 0, 0, 0, 0]);   // rows 0, 2 and 4 end at the fourth step; 3 and 5 move down

        for (var i = 0; i < requests.Length; i++)
            AssertSame(Alone(model, requests[i]), together[i], i);
        Assert.Equal(0, batch.Count);
    }

    [Fact]
    public async Task Step_OneOrTwoIntraOpThreads_SameTokens()
    {
        // forge serve decodes with its own thread count (--decode-threads); the in-process Generator with the process's.
        using var model = TinyModels.Create(new Forge.Training.Model.TransformerConfig { VocabSize = 64, DModel = 128, Layers = 2, Heads = 4, FfMult = 4, MaxSeqLen = 128 });
        DecodeRequest[] requests = [.. Enumerable.Range(0, 8).Select(i => Request([.. Enumerable.Range(0, 20 + i).Select(t => (t * 7 + i) % 60 + 1)], 30 + i, tokens: 24))];
        List<DecodedToken>[] Decode()
        {
            using var batch = new DecodeBatch(model, requests.Length, 128);
            return Run(batch, requests, [0, 0, 0, 0, 1, 1, 2, 2]);
        }
        using var one = new Forge.Training.Devices.TorchWorker("test-decode-1", 1);
        using var two = new Forge.Training.Devices.TorchWorker("test-decode-2", 2);

        var onOne = await one.RunAsync(Decode);
        var onTwo = await two.RunAsync(Decode);

        for (var i = 0; i < requests.Length; i++)
            AssertSame(onTwo[i], onOne[i], i);
    }

    [Fact]
    public void AddRange_OneInvalidRequest_NothingAdded()
    {
        using var model = TinyModels.Create();
        using var batch = new DecodeBatch(model, 4, 16);

        var error = Assert.Throws<ArgumentException>(() => batch.AddRange([Request([1, 2], 1, tokens: 4), Request([1, 2, 3], 2, tokens: 14)]));

        Assert.Contains("the prompt has 3 tokens and asks for 14 more", error.Message);
        Assert.Equal(0, batch.Count);
    }

    [Fact]
    public void Step_WritePositionReachesCapacity_ShiftsAndKeepsTokens()
    {
        using var model = TinyModels.Create();
        // Capacity 20: staggered joins push the shared write position past 20 several times.
        DecodeRequest[] requests = [Request([1, 2, 3], 1, tokens: 15), Request([6, 7, 8, 9, 10, 11], 2, tokens: 12), Request([12], 3, tokens: 18), Request([3, 1], 4, tokens: 10)];
        using var batch = new DecodeBatch(model, 2, 20);

        var together = Run(batch, requests, [0, 6, 11, 13]);   // the last two wait for a free row

        for (var i = 0; i < requests.Length; i++)
            AssertSame(Alone(model, requests[i], 20), together[i], i);
    }

    [Fact]
    public void Step_OldestRowLeaves_UnusedColumnsShiftedAwayBeforeCapacityAndTokensKept()
    {
        using var model = TinyModels.Create();
        // A runs alone to column 48; B joins at 43 and C when A leaves: 41 columns left of B are then unused.
        DecodeRequest[] requests = [Request([1, 2, 3], 1, tokens: 45), Request([5, 6], 2, tokens: 30), Request([7], 3, tokens: 30)];
        using var batch = new DecodeBatch(model, 2, 64);
        var results = requests.Select(_ => new List<DecodedToken>()).ToArray();
        var rows = new DecodeRow?[requests.Length];
        var widest = 0;
        for (var step = 0; step < 200 && (rows.Any(r => r is null) || rows.Any(r => r!.InBatch)); step++)
        {
            for (var i = 0; i < requests.Length; i++)
                if (rows[i] is null && new[] { 0, 40, 0 }[i] <= step && (i < 2 || rows[0]!.Finished is not null) && !batch.IsFull) rows[i] = batch.Add(requests[i]);
            foreach (var (row, token) in batch.Step())
                results[Array.IndexOf(rows, row)].Add(token);
            if (rows[0]!.Finished is not null) widest = Math.Max(widest, batch.WritePosition);
        }

        for (var i = 0; i < requests.Length; i++)
            AssertSame(Alone(model, requests[i]), results[i], i);
        Assert.True(widest < 48, $"after A left the steps still attended over {widest} columns");
    }

    [Fact]
    public void Step_GreedyRow_SameAsGenerator()
    {
        using var model = TinyModels.Create();
        var reference = Generator.Generate(model, [new GenerationRequest([2, 3, 4], [7], MaxNewTokens: 10)], new SamplingOptions { Temperature = 0 })[0];
        using var batch = new DecodeBatch(model, 2, 64);
        batch.Add(Request([1], 5));

        var tokens = Run(batch, [Request([2, 3, 4], 0, tokens: 10, temperature: 0, stop: [7])], [0])[0];

        Assert.Equal(reference.Tokens, tokens.Select(t => t.Id));
        Assert.Equal(reference.LogProbs.ToArray(), tokens.Select(t => t.LogProb).ToArray(), (a, b) => Math.Abs(a - b) < 1e-4);
    }

    [Fact]
    public void Remove_FreesTheRowAtOnce()
    {
        using var model = TinyModels.Create();
        using var batch = new DecodeBatch(model, 1, 64);
        var first = batch.Add(Request([1], 1, tokens: 30));
        batch.Step();
        Assert.True(batch.IsFull);

        batch.Remove(first);

        Assert.False(first.InBatch);
        Assert.Equal(0, batch.Count);
        var second = Run(batch, [Request([2, 2], 3)], [0])[0];
        AssertSame(Alone(model, Request([2, 2], 3)), second);
    }

    [Fact]
    public void Add_PromptAndBudgetPastCapacity_NamesBoth()
    {
        using var model = TinyModels.Create();
        using var batch = new DecodeBatch(model, 1, 16);

        var e = Assert.Throws<ArgumentException>(() => batch.Add(Request([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 1, tokens: 10)));

        Assert.Contains("10 tokens and asks for 10 more", e.Message);
    }
}
