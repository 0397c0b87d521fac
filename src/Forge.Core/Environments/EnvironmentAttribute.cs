namespace Forge.Core;

/// <summary>Names an environment class: its registry id (like <c>math/arithmetic</c>) and version.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class EnvironmentAttribute(string id) : Attribute
{
    /// <summary>The registry id, <c>family/name</c>.</summary>
    public string Id { get; } = id;

    /// <summary>The version; bump it whenever tasks, tools or rewards change meaning.</summary>
    public string Version { get; init; } = "1";

    /// <summary>One line saying what the environment is for.</summary>
    public string Description { get; init; } = "";
}

/// <summary>Marks an environment whose episodes need a sandbox: the host acquires one per episode and disposes it afterwards.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public sealed class RequiresSandboxAttribute : Attribute;
