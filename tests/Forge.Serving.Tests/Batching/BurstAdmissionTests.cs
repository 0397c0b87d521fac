using Forge.Serving.Batching;
using Forge.Serving.Policy;
using Forge.Serving.Tests.Models;
using Forge.Training.Generation;
using TorchSharp;

namespace Forge.Serving.Tests.Batching;

/// <summary>The scheduler holds back a burst of requests until it has arrived, then prefills it in one join.</summary>
public sealed class BurstAdmissionTests
{
    private static async Task<int> TokensOf(CompletionRow row)
    {
        var tokens = 0;
        await foreach (var e in row.Events.ReadAllAsync())
        {
            if (e.Error is { } error) throw error;
            if (e.Token is not null) tokens++;
        }
        return tokens;
    }

    [Fact]
    public async Task TryEnqueue_RowsQueuedWhileOthersAreRead_JoinTogetherAndDecodeInStep()
    {
        const int Tokens = 5;
        var root = Directory.CreateTempSubdirectory("forge-burst-").FullName;
        try
        {
            using var policy = ServedPolicy.Load(TestModels.RandomCheckpoint(Path.Combine(root, "tiny")), torch.CPU);
            var window = new AdmissionWindow(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5), TimeProvider.System);
            using var scheduler = new BatchScheduler(policy, maxBatch: 8, maxQueue: 8, capacity: 64, threads: 1, window);
            var rows = Enumerable.Range(0, 3).Select(i => new CompletionRow(new DecodeRequest([1, 2, 3 + i], [], Tokens, 1.0, 1.0, i))).ToList();

            var reading = scheduler.BeginReading();   // a fourth request still being read while three are queued, 20 ms apart
            foreach (var row in rows)
            {
                Assert.True(scheduler.TryEnqueue([row]));
                await Task.Delay(20);
            }
            Assert.Equal(0, scheduler.Counts.Steps);   // held back: nothing decodes yet
            reading.Dispose();
            var tokens = await Task.WhenAll(rows.Select(TokensOf));

            Assert.All(tokens, n => Assert.Equal(Tokens, n));
            Assert.Equal(Tokens, scheduler.Counts.Steps);   // one join: the three rows took the same five steps
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task TryEnqueue_BurstHeldBackWhileTheBatchHasRoom_NotRefusedAsAFullQueue()
    {
        var root = Directory.CreateTempSubdirectory("forge-burst-").FullName;
        try
        {
            using var policy = ServedPolicy.Load(TestModels.RandomCheckpoint(Path.Combine(root, "tiny")), torch.CPU);
            var window = new AdmissionWindow(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5), TimeProvider.System);
            using var scheduler = new BatchScheduler(policy, maxBatch: 4, maxQueue: 1, capacity: 64, threads: 1, window);
            var rows = Enumerable.Range(0, 6).Select(i => new CompletionRow(new DecodeRequest([1, 2, 3 + i], [], 3, 1.0, 1.0, i))).ToList();

            var reading = scheduler.BeginReading();   // a burst still arriving: the queued rows are held back
            var accepted = rows.Select(row => scheduler.TryEnqueue([row])).ToList();
            reading.Dispose();

            // Four rows have room in the batch and one may wait in the queue; the sixth is one too many.
            Assert.Equal([true, true, true, true, true, false], accepted);
            var tokens = await Task.WhenAll(rows.Take(5).Select(TokensOf));
            Assert.All(tokens, n => Assert.Equal(3, n));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
