namespace Forge.Cluster;

/// <summary>
/// One episode sent to a worker: ids, seeds and the task by name (the worker finds it in its own registry and checks its
/// content hash, so a worker with other task files refuses instead of running something else); limits travel encoded.
/// A judged episode names its judge the same way: by what it is, never by its key; the worker asks its own connection.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record EpisodeWork
{
    /// <summary>The episode's id (the same on every attempt).</summary>
    [Id(0)] public required string EpisodeId { get; init; }
    /// <summary>The environment's registry id.</summary>
    [Id(1)] public required string EnvironmentId { get; init; }
    /// <summary>The task's id.</summary>
    [Id(2)] public required string TaskId { get; init; }
    /// <summary>The seed the task source was given (generated tasks).</summary>
    [Id(3)] public int TaskSeed { get; init; }
    /// <summary>SHA-256 of the driver's task; empty when the driver doesn't know it.</summary>
    [Id(4)] public string TaskContentHash { get; init; } = "";
    /// <summary>The episode's seed.</summary>
    [Id(5)] public int Seed { get; init; }
    /// <summary>The group the episode belongs to.</summary>
    [Id(6)] public required string GroupId { get; init; }
    /// <summary>The agent's own seed, when it differs from the episode's.</summary>
    [Id(7)] public int? AgentSeed { get; init; }
    /// <summary>The episode's limits, encoded like a trajectory's.</summary>
    [Id(8)] public required byte[] Limits { get; init; }
    /// <summary>The reward mode's name.</summary>
    [Id(9)] public required string RewardMode { get; init; }
    /// <summary>Which dispatch of the episode this is (1: the first).</summary>
    [Id(10)] public int Attempt { get; init; }
    /// <summary>
    /// The judge the driver gave the episode, encoded like a trajectory's judge provenance (model, mode, endpoint, the API
    /// key's variable); null when the episode is not judged. The worker hands it its own connection to the scenario's judge.
    /// </summary>
    [Id(11)] public byte[]? Judge { get; init; }
}
