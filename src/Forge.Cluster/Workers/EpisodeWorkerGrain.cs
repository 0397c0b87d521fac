using Orleans.Concurrency;
using Orleans.Runtime;

namespace Forge.Cluster.Workers;

/// <summary>The door to a worker process: pinned to its silo, reentrant (many episodes at once), kept alive while the silo lives.</summary>
[WorkerPlacement, Reentrant, KeepAlive]
internal sealed class EpisodeWorkerGrain(WorkerRuntime runtime, ILocalSiloDetails silo) : Grain, IEpisodeWorker
{
    private string Address => silo.SiloAddress.ToParsableString();

    public Task<WorkerInfo> DescribeAsync() => Task.FromResult(runtime.Describe(Address));

    public Task PrepareAsync(RunSpec run) => runtime.PrepareAsync(run);

    public Task<byte[]> RunEpisodeAsync(string runKey, EpisodeWork work, ITurnSource? turns, CancellationToken cancellationToken) =>
        runtime.RunEpisodeAsync(runKey, work, turns, Address, cancellationToken);

    public Task<string[]> RunningAsync(string runKey) => Task.FromResult(runtime.Running(runKey));

    public Task ReleaseAsync(string runKey) => runtime.ReleaseAsync(runKey);

    public Task DrainAsync(string runKey, string reason)
    {
        runtime.Drain(runKey, reason);
        return Task.CompletedTask;
    }
}
