namespace Forge.Cluster;

/// <summary>
/// One episode sent to a worker: ids, seeds and the task by name (the worker finds it in its own registry and checks its
/// content hash, so a worker with other task files refuses instead of running something else); limits travel encoded.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record EpisodeWork
{
    [Id(0)] public required string EpisodeId { get; init; }
    [Id(1)] public required string EnvironmentId { get; init; }
    [Id(2)] public required string TaskId { get; init; }
    [Id(3)] public int TaskSeed { get; init; }
    [Id(4)] public string TaskContentHash { get; init; } = "";
    [Id(5)] public int Seed { get; init; }
    [Id(6)] public required string GroupId { get; init; }
    [Id(7)] public int? AgentSeed { get; init; }
    [Id(8)] public required byte[] Limits { get; init; }
    [Id(9)] public required string RewardMode { get; init; }
    [Id(10)] public int Attempt { get; init; }
}
