using System.Reflection;
using Forge.Core;
using Forge.Core.Rewards;
using Forge.Host.Fingerprints;
using Forge.Host.Registry;

namespace Forge.Host.Replay;

/// <summary>
/// What re-executing a recorded episode needs, found from its provenance and today's registry: the environment, the task
/// (from the task file, or regenerated from the recorded generator seed), the limits and reward mode that were in force,
/// the sandbox it ran in, and what changed since it was recorded.
/// </summary>
public sealed record ReplaySetup
{
    /// <summary>The environment as registered today.</summary>
    public required RegisteredEnvironment Environment { get; init; }

    /// <summary>The task, as today's task source gives it.</summary>
    public required IEnvironmentTask Task { get; init; }

    /// <summary>The task's provenance today (compared with the recorded one).</summary>
    public required TaskProvenance TaskProvenance { get; init; }

    /// <summary>The limits in force when the episode was recorded (today's registry defaults for trajectories without provenance).</summary>
    public required EpisodeLimits Limits { get; init; }

    /// <summary>The reward mode in force when the episode was recorded.</summary>
    public required RewardMode RewardMode { get; init; }

    /// <summary>The sandbox to rebuild, for environments that need one: the recorded backend and image (the local backend when none was recorded); null otherwise.</summary>
    public SandboxOptions? Sandbox { get; init; }

    /// <summary>
    /// The judge model for episodes recorded with one (<see cref="Provenance.Judge"/>): the connection the caller made from the
    /// recorded judge, else one that answers only from the recording. Each rerun asks it through a view replaying that
    /// episode's recorded verdicts, so the judge is called only for questions the recording didn't ask. Null when none was recorded.
    /// </summary>
    public JudgeEndpoint? Judge { get; init; }

    /// <summary>What changed since the episode was recorded (environment version or build, the task), in words; a rerun says these first.</summary>
    public IReadOnlyList<string> Changes { get; init; } = [];

    /// <summary>Makes the environment instances (tests put a configured instance here); null: <see cref="RegisteredEnvironment.Create"/>.</summary>
    internal Func<IEnvironment>? Factory { get; init; }

    /// <summary>A fresh environment instance.</summary>
    internal IEnvironment CreateEnvironment() => Factory?.Invoke() ?? Environment.Create();

    /// <summary>Why the environment's episodes can't be forked, when its class says so (<see cref="NotForkableAttribute"/>).</summary>
    public string? NotForkable => Environment.EnvironmentType.GetCustomAttribute<NotForkableAttribute>()?.Reason;

    /// <summary>
    /// Resolves <paramref name="recorded"/> against <paramref name="registry"/>. <paramref name="taskSeed"/> overrides the
    /// generator seed (needed only for generated tasks recorded before provenance was kept). <paramref name="connectJudge"/>
    /// connects to the recorded judge model, for questions the recording didn't ask (fork branches); without it only recorded
    /// verdicts can be given. Throws <see cref="ReplayException"/> saying why it can't be re-executed.
    /// </summary>
    public static ReplaySetup Resolve(Trajectory recorded, EnvironmentRegistry registry, int? taskSeed = null, Func<JudgeProvenance, JudgeEndpoint>? connectJudge = null)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        ArgumentNullException.ThrowIfNull(registry);
        if (!registry.TryGet(recorded.EnvironmentId, out var environment))
            throw new ReplayException($"environment `{recorded.EnvironmentId}` is not in {registry.Path}");
        var provenance = recorded.Provenance;
        var seed = taskSeed ?? provenance?.Task?.GeneratorSeed ?? 0;
        var task = environment.FindTask(recorded.TaskId, seed)
            ?? throw new ReplayException(provenance?.Task is null && taskSeed is null
                ? $"task `{recorded.TaskId}` is not among {environment.Id}'s tasks for task seed 0; the episode was recorded without provenance, so pass the scenario's seed with --task-seed"
                : $"task `{recorded.TaskId}` is not among {environment.Id}'s tasks (task seed {seed}); it was removed or renamed since the episode was recorded");
        var taskProvenance = environment.TaskProvenance(task, seed);

        SandboxOptions? sandbox = null;
        if (environment.RequiresSandbox)
            sandbox = provenance?.Sandbox is { } s ? SandboxOptions.Default with { Backend = s.Backend, Image = s.Image } : SandboxOptions.Default;

        return new ReplaySetup
        {
            Environment = environment,
            Task = task,
            TaskProvenance = taskProvenance,
            Limits = provenance?.Limits ?? environment.Limits,
            RewardMode = recorded.RewardMode ?? environment.RewardMode,
            Sandbox = sandbox,
            Judge = provenance?.Judge is { } judged ? connectJudge?.Invoke(judged) ?? JudgeEndpoint.RecordingOnly(judged) : null,
            Changes = Compare(recorded, environment, taskProvenance),
        };
    }

    /// <summary>The request that replays <paramref name="recorded"/>'s episode: same id, seed and group, the recorded limits and reward mode, its recorded judge verdicts.</summary>
    internal EpisodeRequest Request(Trajectory recorded) =>
        new(recorded.EpisodeId, Environment.Id, Task, recorded.Seed, recorded.GroupId)
        {
            Limits = Limits,
            RewardMode = RewardMode,
            TaskProvenance = TaskProvenance,
            ParentEpisodeId = recorded.ParentEpisodeId,
            ForkStep = recorded.ForkStep,
            Judge = Judge?.Replaying(recorded.Breakdown?.Judgements),
        };

    private static List<string> Compare(Trajectory recorded, RegisteredEnvironment environment, TaskProvenance task)
    {
        var changes = new List<string>();
        var version = recorded.Provenance?.EnvironmentVersion is { Length: > 0 } v ? v : recorded.EnvironmentVersion;
        if (version.Length > 0 && version != environment.Version)
            changes.Add($"{environment.Id} is now version {environment.Version}; the episode was recorded with version {version}");
        if (recorded.Provenance is not { } provenance)
        {
            changes.Add("the episode was recorded without provenance: today's limits, reward mode and task seed stand in for the ones in force then");
            return changes;
        }
        var hash = Fingerprint.Of(environment.EnvironmentType.Assembly);
        if (provenance.EnvironmentAssemblyHash.Length > 0 && hash.Length > 0 && provenance.EnvironmentAssemblyHash != hash)
            changes.Add($"{provenance.EnvironmentAssembly} was rebuilt since the episode was recorded (assembly hash {Short(provenance.EnvironmentAssemblyHash)} then, {Short(hash)} now): the environment's code may have changed");
        if (provenance.Task is { } then)
        {
            if (then.ContentHash.Length > 0 && then.ContentHash != task.ContentHash)
                changes.Add($"task `{recorded.TaskId}` changed since the episode was recorded (content hash {Short(then.ContentHash)} then, {Short(task.ContentHash)} now)");
            if ((then.File ?? then.Generator) is { } source && source != (task.File ?? task.Generator))
                changes.Add($"the task now comes from {task.File ?? task.Generator}; it came from {source}");
        }
        return changes;
    }

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] : hash;
}
