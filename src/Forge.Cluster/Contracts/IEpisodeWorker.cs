namespace Forge.Cluster;

/// <summary>
/// One worker of the cluster: a grain pinned to its worker's silo (its key is the silo's address), running episodes in
/// that process. The driver calls it; nothing here is stored, so a worker that dies takes only its in-flight episodes with it.
/// </summary>
public interface IEpisodeWorker : IGrainWithStringKey
{
    /// <summary>Capacity and counters of the worker.</summary>
    Task<WorkerInfo> DescribeAsync();

    /// <summary>Makes the worker ready for a run's episodes: parses its scenario, builds its agent and sandbox pool. Idempotent per <see cref="RunSpec.RunKey"/>.</summary>
    Task PrepareAsync(RunSpec run);

    /// <summary>Runs one episode of a prepared run and returns its trajectory (encoded as in a trajectory log). Always a trajectory: episode faults are data.</summary>
    Task<byte[]> RunEpisodeAsync(string runKey, EpisodeWork work, ITurnSource? turns, CancellationToken cancellationToken);

    /// <summary>
    /// The episodes of a run this worker is running now. The driver compares them with what it is waiting for: a call
    /// lost on the way (through a gateway that died) or whose answer was lost is dispatched again.
    /// </summary>
    Task<string[]> RunningAsync(string runKey);

    /// <summary>Forgets a run the driver has finished: its agent and sandbox pool are disposed (every sandbox removed).</summary>
    Task ReleaseAsync(string runKey);

    /// <summary>Stops taking a run's episodes (its driver drains a worker that keeps failing); running ones finish; other runs go on.</summary>
    Task DrainAsync(string runKey, string reason);
}

/// <summary>
/// The driver's side of a remote agent: workers ask it for each turn of an episode whose agent stays with the driver
/// (the local policy, where the GPU is), and it answers with the assistant message. Calls from every worker are served
/// concurrently, so a batching agent batches turns of all workers together.
/// </summary>
public interface ITurnSource : IGrainObserver
{
    /// <summary>The next assistant message (encoded) for a turn (encoded).</summary>
    Task<byte[]> ActAsync(byte[] turn);
}
