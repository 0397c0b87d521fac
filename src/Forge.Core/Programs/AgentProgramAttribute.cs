namespace Forge.Core.Programs;

/// <summary>
/// Names an in-process agent program (an <see cref="IAgentProgram{TTask}"/> with a parameterless constructor) so a scenario
/// can run it: <c>"agent": {"type": "agent-program", "program": NAME, …}</c>. A program is found in the assembly of the
/// registered environment it names, and shares one namespace with the process programs registry entries declare.
/// </summary>
/// <param name="name">The name scenarios use, like <c>support-desk</c>.</param>
/// <param name="environment">The id of the environment whose tasks the program takes, like <c>support/desk</c>.</param>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class AgentProgramAttribute(string name, string environment) : Attribute
{
    /// <summary>The name scenarios use.</summary>
    public string Name { get; } = name;

    /// <summary>The id of the environment whose tasks the program takes.</summary>
    public string Environment { get; } = environment;
}
