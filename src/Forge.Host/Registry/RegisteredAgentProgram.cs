namespace Forge.Host.Registry;

/// <summary>
/// An agent program a scenario may name (<c>"agent": {"type": "agent-program", "program": NAME, …}</c>): either in process,
/// a class marked <see cref="Forge.Core.Programs.AgentProgramAttribute"/> in an environment's assembly, or a process started
/// per episode, declared in a registry entry's <c>agent_programs</c>. Names are unique across the registry.
/// </summary>
public sealed class RegisteredAgentProgram
{
    private RegisteredAgentProgram(string name, string environmentId, Type? programType, IReadOnlyList<string>? command, string? workingDirectory, TimeSpan? deadline)
    {
        Name = name;
        EnvironmentId = environmentId;
        ProgramType = programType;
        Command = command;
        WorkingDirectory = workingDirectory;
        Deadline = deadline;
    }

    /// <summary>The name scenarios use, like <c>desk-python</c>.</summary>
    public string Name { get; }

    /// <summary>The id of the environment whose tasks the program takes.</summary>
    public string EnvironmentId { get; }

    /// <summary>An in-process program's class (an <see cref="Forge.Core.Programs.IAgentProgram{TTask}"/>); null for a process program.</summary>
    public Type? ProgramType { get; }

    /// <summary>The tasks an in-process program takes (the <c>TTask</c> of its <see cref="Forge.Core.Programs.IAgentProgram{TTask}"/>); null for a process program.</summary>
    public Type? TaskType => ProgramType is null ? null : TypeResolver.AgentProgramTaskType(ProgramType);

    /// <summary>A process program's executable and arguments; null for an in-process program.</summary>
    public IReadOnlyList<string>? Command { get; }

    /// <summary>Where a process program runs and its relative paths resolve: the registry file's folder.</summary>
    public string? WorkingDirectory { get; }

    /// <summary>A process program's own deadline per episode; null leaves it to the scenario (or the default).</summary>
    public TimeSpan? Deadline { get; }

    /// <summary>True for a program started as a process per episode.</summary>
    public bool IsProcess => Command is not null;

    internal static RegisteredAgentProgram InProcess(string name, string environmentId, Type programType) =>
        new(name, environmentId, programType, null, null, null);

    internal static RegisteredAgentProgram Process(string name, string environmentId, IReadOnlyList<string> command, string workingDirectory, TimeSpan? deadline) =>
        new(name, environmentId, null, command, workingDirectory, deadline);

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({(IsProcess ? "process" : "in process")}, {EnvironmentId} tasks)";
}
