namespace Forge.Cluster;

/// <summary>A worker as it describes itself: where it runs, how many episodes it takes at once, and what it has done.</summary>
[GenerateSerializer, Immutable]
public sealed record WorkerInfo
{
    /// <summary>The silo's address (the worker grain's key).</summary>
    [Id(0)] public required string Address { get; init; }

    /// <summary>The host name and process id.</summary>
    [Id(1)] public required string Host { get; init; }

    /// <summary>Episodes it runs at once.</summary>
    [Id(2)] public int Capacity { get; init; }

    /// <summary>Episodes running now.</summary>
    [Id(3)] public int InFlight { get; init; }

    /// <summary>Episodes finished (however they ended).</summary>
    [Id(4)] public long Done { get; init; }

    /// <summary>Episodes that ended errored, or could not be run at all.</summary>
    [Id(5)] public long Failures { get; init; }

    /// <summary>The runs whose drivers drained it (it takes no more of their episodes), with why; null when none.</summary>
    [Id(6)] public string? Drained { get; init; }

    /// <summary>When it started.</summary>
    [Id(7)] public DateTimeOffset StartedAt { get; init; }
}
