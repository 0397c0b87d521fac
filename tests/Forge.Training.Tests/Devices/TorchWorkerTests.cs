using Forge.Training.Devices;
using TorchSharp;

namespace Forge.Training.Tests.Devices;

public sealed class TorchWorkerTests
{
    [Fact]
    public async Task RunAsync_RunsInOrderOnOneThreadWithItsOwnIntraOpThreads()
    {
        using var one = new TorchWorker("test-one", 1);
        using var two = new TorchWorker("test-two", 2);
        var order = new List<int>();
        var runs = Enumerable.Range(0, 5).Select(i => one.RunAsync(() => { order.Add(i); return (Environment.CurrentManagedThreadId, torch.get_num_threads()); })).ToList();
        var onOne = await Task.WhenAll(runs);
        var onTwo = await two.RunAsync(() => (Environment.CurrentManagedThreadId, torch.get_num_threads()));

        Assert.Equal([0, 1, 2, 3, 4], order);
        Assert.Single(onOne.Select(r => r.CurrentManagedThreadId).Distinct());
        Assert.All(onOne, r => Assert.Equal(1, r.Item2));
        Assert.Equal(2, onTwo.Item2);   // each worker's own setting, whatever the other set
        Assert.NotEqual(onOne[0].CurrentManagedThreadId, onTwo.CurrentManagedThreadId);
        Assert.NotEqual(Environment.CurrentManagedThreadId, onOne[0].CurrentManagedThreadId);
    }

    [Fact]
    public async Task RunAsync_WorkThrows_TaskFaultsAndTheWorkerGoesOn()
    {
        using var worker = new TorchWorker("test", 1);
        await Assert.ThrowsAsync<InvalidOperationException>(() => worker.RunAsync<int>(() => throw new InvalidOperationException("boom")));
        Assert.Equal(3, await worker.RunAsync(() => 3));
    }
}
