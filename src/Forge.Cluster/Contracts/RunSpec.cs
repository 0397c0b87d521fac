namespace Forge.Cluster;

/// <summary>What a worker needs to run a run's episodes: the scenario (its text, so workers need no copy of the file) and the run's id.</summary>
[GenerateSerializer, Immutable]
public sealed record RunSpec
{
    /// <summary>Identifies the run among those a worker has prepared.</summary>
    [Id(0)] public required string RunKey { get; init; }

    /// <summary>The scenario file's text.</summary>
    [Id(1)] public required string ScenarioJson { get; init; }

    /// <summary>The scenario file's path on the driver (named in errors).</summary>
    [Id(2)] public required string ScenarioPath { get; init; }

    /// <summary>The scenario seed in force (the file's, or <c>--seed</c>).</summary>
    [Id(3)] public int Seed { get; init; }

    /// <summary>Recorded in every trajectory as its run id.</summary>
    [Id(4)] public required string RunId { get; init; }

    /// <summary>
    /// When the agent stays with the driver (the local policy): what it is, encoded like a trajectory's agent provenance.
    /// The worker then asks the driver's <see cref="ITurnSource"/> for every turn. Null: the worker builds the scenario's agent.
    /// </summary>
    [Id(5)] public byte[]? DriverAgent { get; init; }

    /// <summary>Retries of transient agent faults per turn.</summary>
    [Id(6)] public int AgentRetries { get; init; }

    /// <summary>The id of the driver's agent (recorded in trajectories), when it plays the turns.</summary>
    [Id(7)] public string? DriverAgentId { get; init; }
}
