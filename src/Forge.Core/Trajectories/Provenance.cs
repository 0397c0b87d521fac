using MessagePack;

namespace Forge.Core;

/// <summary>
/// Where an episode came from: what an exact rerun needs and what a person debugging wants to see. Recorded in every
/// trajectory by the host; null in trajectories recorded before it was kept. Every part is optional, so older and
/// partial records still read. The reward mode in force is <see cref="Trajectory.RewardMode"/>.
/// </summary>
[MessagePackObject(true)]
public sealed record Provenance
{
    /// <summary>The Forge build that ran the episode (<c>1.0.0</c>).</summary>
    public string ForgeVersion { get; init; } = "";

    /// <summary>The source commit of that build, when it was built from a git checkout; empty otherwise.</summary>
    public string ForgeCommit { get; init; } = "";

    /// <summary>The environment's version (its <see cref="EnvironmentAttribute.Version"/>).</summary>
    public string EnvironmentVersion { get; init; } = "";

    /// <summary>The assembly that holds the environment's class (<c>Forge.Environments</c>).</summary>
    public string EnvironmentAssembly { get; init; } = "";

    /// <summary>SHA-256 of that assembly's file, lower-case hex: it changes whenever the environment's code is rebuilt with a change.</summary>
    public string EnvironmentAssemblyHash { get; init; } = "";

    /// <summary>Where the task came from and a hash of its content.</summary>
    public TaskProvenance? Task { get; init; }

    /// <summary>The limits in force (the registry's defaults with the scenario's overrides).</summary>
    public EpisodeLimits? Limits { get; init; }

    /// <summary>The sandbox the episode ran in; null when it needed none.</summary>
    public SandboxProvenance? Sandbox { get; init; }

    /// <summary>The agent that acted.</summary>
    public AgentProvenance? Agent { get; init; }

    /// <summary>The judge model the episode's rewards could ask (a scenario's <c>"judge"</c> section); null when none was configured.</summary>
    public JudgeProvenance? Judge { get; init; }

    /// <summary>The cluster worker that ran the episode (its silo address); null when it ran in the driver's own process.</summary>
    public string? Worker { get; init; }

    /// <summary>On a cluster: how many times the episode was dispatched, this run included (1: the first try); null in one process.</summary>
    public int? Attempts { get; init; }
}

/// <summary>Where a task came from: a task file or a generator with its seed, and a hash of the task's content.</summary>
[MessagePackObject(true)]
public sealed record TaskProvenance
{
    /// <summary>The source kind: <see cref="FileSource"/> or <see cref="GeneratorSource"/>.</summary>
    public string Source { get; init; } = "";

    /// <summary>For a task file: its path as the registry names it (relative to the registry's folder).</summary>
    public string? File { get; init; }

    /// <summary>For generated tasks: the generator's full type name.</summary>
    public string? Generator { get; init; }

    /// <summary>For generated tasks: the seed the generator was given (the scenario's seed).</summary>
    public int? GeneratorSeed { get; init; }

    /// <summary>SHA-256 of the task's canonical JSON, lower-case hex: a rerun compares it with the task it finds now.</summary>
    public string ContentHash { get; init; } = "";

    /// <summary>A task read from a task file.</summary>
    public const string FileSource = "file";

    /// <summary>A task made by a generator from a seed.</summary>
    public const string GeneratorSource = "generator";
}

/// <summary>The sandbox an episode ran in.</summary>
[MessagePackObject(true)]
public sealed record SandboxProvenance
{
    /// <summary>The backend (<c>local</c>, <c>docker</c>).</summary>
    public string Backend { get; init; } = "";

    /// <summary>The image as configured (Docker: its name and tag); null for backends without images.</summary>
    public string? Image { get; init; }

    /// <summary>The image's content id or digest (Docker: <c>sha256:…</c>), when the backend knows it.</summary>
    public string? ImageId { get; init; }
}

/// <summary>What acted in an episode, described without secrets: never an API key.</summary>
[MessagePackObject(true)]
public sealed record AgentProvenance
{
    /// <summary>The agent's type (<c>scripted</c>, <c>noisy</c>, <c>semantic-kernel</c>, <c>policy</c>, or its id).</summary>
    public string Type { get; init; } = "";

    /// <summary>The model's name, for agents backed by one.</summary>
    public string? Model { get; init; }

    /// <summary>The host (and port) of the endpoint a remote agent called; never its path, query or credentials.</summary>
    public string? EndpointHost { get; init; }

    /// <summary>SHA-256 of the policy checkpoint the agent acted with, for a local policy loaded from one.</summary>
    public string? PolicyCheckpointHash { get; init; }

    /// <summary>Anything else worth seeing (a noisy agent's error rate), in words.</summary>
    public string? Details { get; init; }
}

/// <summary>The judge model an episode's LLM-judged rewards asked, described without secrets: never an API key.</summary>
[MessagePackObject(true)]
public sealed record JudgeProvenance
{
    /// <summary>The judge model's id.</summary>
    public string Model { get; init; } = "";

    /// <summary>How its verdicts were read.</summary>
    public Rewards.JudgeMode Mode { get; init; }

    /// <summary>The OpenAI-compatible base URL the host connected to (no credentials, no query); null for a judge supplied in code.</summary>
    public string? Endpoint { get; init; }

    /// <summary>The environment variable that held the endpoint's API key (its name only).</summary>
    public string? ApiKeyEnv { get; init; }
}
