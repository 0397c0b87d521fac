namespace Forge.Core;

/// <summary>
/// Names an environment class and says everything about it that is code: its registry id (like <c>math/arithmetic</c>),
/// version, description, scripted solver and default tasks. This is the one place these are written; a registry entry
/// (<c>environments.json</c>) adds only deployment settings (task source, limits, reward mode) and may be just the id.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class EnvironmentAttribute(string id) : Attribute
{
    /// <summary>The registry id, <c>family/name</c>.</summary>
    public string Id { get; } = id;

    /// <summary>The version; bump it whenever tasks, tools or rewards change meaning.</summary>
    public string Version { get; init; } = "1";

    /// <summary>One line saying what the environment is for.</summary>
    public string Description { get; init; } = "";

    /// <summary>The scripted solver (an <see cref="IAgent"/> with a public parameterless constructor) that reaches full marks; null when there is none.</summary>
    public Type? Solver { get; init; }

    /// <summary>The default task file (JSON lines), relative to the environment assembly's folder; a registry entry's <c>tasks</c> replaces it.</summary>
    public string? TaskFile { get; init; }

    /// <summary>The default task generator (an <see cref="ITaskGenerator{TTask}"/>); a registry entry's <c>tasks</c> replaces it.</summary>
    public Type? TaskGenerator { get; init; }

    /// <summary>How many tasks <see cref="TaskGenerator"/> makes by default. Default 100.</summary>
    public int TaskCount { get; init; } = 100;
}

/// <summary>Marks an environment whose episodes need a sandbox: the host acquires one per episode and disposes it afterwards.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public sealed class RequiresSandboxAttribute : Attribute;
