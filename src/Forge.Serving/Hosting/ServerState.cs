using Forge.Serving.Batching;
using Forge.Serving.Episodes;
using Forge.Serving.Policy;

namespace Forge.Serving.Hosting;

/// <summary>What the endpoints share: the options, the policy and its scheduler once loaded (null while loading), the open episodes.</summary>
internal sealed class ServerState(ServeOptions options, string modelName)
{
    public ServeOptions Options { get; } = options;

    public string ModelName { get; } = modelName;

    public EpisodeRegistry Episodes { get; } = new();

    public ServedPolicy? Policy { get; private set; }

    public BatchScheduler? Scheduler { get; private set; }

    /// <summary>Positions one sequence may span.</summary>
    public int Capacity { get; private set; }

    /// <summary>Why loading failed; null when it did not.</summary>
    public string? LoadError { get; set; }

    public DateTimeOffset Started { get; } = DateTimeOffset.UtcNow;

    public void Ready(ServedPolicy policy, BatchScheduler scheduler, int capacity)
    {
        Capacity = capacity;
        Policy = policy;
        Scheduler = scheduler;
    }
}
