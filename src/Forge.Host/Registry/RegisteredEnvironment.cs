using System.Reflection;
using Forge.Core;

namespace Forge.Host.Registry;

/// <summary>
/// One validated entry of <c>environments.json</c>: what the environment is, how to make an instance of it, its tasks,
/// its default limits and reward mode, and its scripted solver when it has one.
/// </summary>
public sealed class RegisteredEnvironment
{
    private readonly TaskSource _tasks;

    internal RegisteredEnvironment(string id, string version, string description, Type environmentType, Type taskType,
        TaskSource tasks, Type? solverType, EpisodeLimits limits, RewardMode rewardMode, IReadOnlyList<RegisteredAgentProgram>? agentPrograms = null)
    {
        Id = id;
        Version = version;
        Description = description;
        EnvironmentType = environmentType;
        TaskType = taskType;
        _tasks = tasks;
        SolverType = solverType;
        Limits = limits;
        RewardMode = rewardMode;
        AgentPrograms = agentPrograms ?? [];
    }

    /// <summary>The registry id, like <c>math/arithmetic</c>.</summary>
    public string Id { get; }

    /// <summary>The environment's version (equal to its class's <see cref="EnvironmentAttribute.Version"/>).</summary>
    public string Version { get; }

    /// <summary>One line saying what the environment is for.</summary>
    public string Description { get; }

    /// <summary>The class that implements the environment.</summary>
    public Type EnvironmentType { get; }

    /// <summary>The type of the environment's tasks.</summary>
    public Type TaskType { get; }

    /// <summary>The scripted solver's class, when one is declared.</summary>
    public Type? SolverType { get; }

    /// <summary>The default limits of an episode (a scenario may override them).</summary>
    public EpisodeLimits Limits { get; }

    /// <summary>The default reward mode (a scenario may override it).</summary>
    public RewardMode RewardMode { get; }

    /// <summary>
    /// The agent programs that take this environment's tasks: in-process ones (<see cref="Forge.Core.Programs.AgentProgramAttribute"/>
    /// naming this id in its assembly) and process ones the entry declares in <c>agent_programs</c>.
    /// </summary>
    public IReadOnlyList<RegisteredAgentProgram> AgentPrograms { get; }

    /// <summary>True when the environment's episodes need a sandbox (<see cref="RequiresSandboxAttribute"/>).</summary>
    public bool RequiresSandbox => EnvironmentType.GetCustomAttribute<RequiresSandboxAttribute>() is not null;

    /// <summary>How many tasks there are by default: the lines of the task file, or the generator's declared count.</summary>
    public int TaskCount => _tasks.Count;

    /// <summary>Where the tasks come from: the task file's path, or the generator and its count.</summary>
    public string TaskSource => _tasks.Describe();

    /// <summary>A fresh instance (one per episode at a time).</summary>
    public IEnvironment Create() => (IEnvironment)Instantiate(EnvironmentType);

    /// <summary>
    /// The tasks to run: the first <paramref name="count"/> tasks of the file (all of them when null; the seed doesn't
    /// change file tasks), or <paramref name="count"/> tasks generated from <paramref name="seed"/> (the declared count when null).
    /// </summary>
    public IReadOnlyList<IEnvironmentTask> Tasks(int seed, int? count = null)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "The number of tasks can't be negative.");
        return _tasks.Take(seed, count);
    }

    /// <summary>Where <paramref name="task"/>, one of <see cref="Tasks"/>(<paramref name="seed"/>), came from: the task file or the generator and seed, with a hash of its content.</summary>
    public TaskProvenance TaskProvenance(IEnvironmentTask task, int seed)
    {
        ArgumentNullException.ThrowIfNull(task);
        return _tasks.Provenance(task, seed);
    }

    /// <summary>The task named <paramref name="taskId"/> among <see cref="Tasks"/>(<paramref name="seed"/>), or null.</summary>
    public IEnvironmentTask? FindTask(string taskId, int seed = 0) =>
        Tasks(seed).FirstOrDefault(t => string.Equals(t.Id, taskId, StringComparison.Ordinal));

    /// <summary>A new instance of the scripted solver; null when none is declared.</summary>
    public IAgent? CreateSolver() => SolverType is null ? null : (IAgent)Instantiate(SolverType);

    /// <inheritdoc />
    public override string ToString() => $"{Id} v{Version}";

    private static object Instantiate(Type type)
    {
        try
        {
            return Activator.CreateInstance(type)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw new InvalidOperationException($"The constructor of {type.FullName} threw {e.InnerException.GetType().Name}: {e.InnerException.Message}", e.InnerException);
        }
    }
}
