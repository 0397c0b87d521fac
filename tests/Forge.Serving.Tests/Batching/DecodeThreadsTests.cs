using Forge.Serving.Batching;
using Forge.Serving.Hosting;
using Forge.Serving.Policy;
using Forge.Serving.Tests.Models;
using TorchSharp;

namespace Forge.Serving.Tests.Batching;

/// <summary>The decode loop runs libtorch with its own thread count (default the process's) and leaves the others' alone.</summary>
public sealed class DecodeThreadsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(null)]
    public void Scheduler_LoopRunsWithItsOwnCount_CallerKeepsItsOwn(int? threads)
    {
        var root = Directory.CreateTempSubdirectory("forge-decode-threads-").FullName;
        try
        {
            using var policy = ServedPolicy.Load(TestModels.RandomCheckpoint(Path.Combine(root, "tiny")), torch.CPU);
            var callers = torch.get_num_threads();

            using var scheduler = new BatchScheduler(policy, maxBatch: 2, maxQueue: 4, capacity: 64, threads);

            Assert.Equal(threads ?? callers, scheduler.LoopThreads);
            Assert.Equal(callers, torch.get_num_threads());
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void DecodeThreads_BelowOne_RefusedNamingTheFlag()
    {
        new ServeOptions { ModelDirectory = "m", DecodeThreads = 1 }.Validate();
        var e = Assert.Throws<ArgumentException>(() => new ServeOptions { ModelDirectory = "m", DecodeThreads = 0 }.Validate());
        Assert.Contains("--decode-threads 0", e.Message);
    }
}
