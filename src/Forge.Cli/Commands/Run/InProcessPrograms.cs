using System.Reflection;
using Forge.Core;
using Forge.Core.Programs;
using Forge.Host.Registry;
using Forge.Serving.AgentPrograms;

namespace Forge.Cli.Commands.Run;

/// <summary>Starts a registered in-process agent program (<see cref="RegisteredAgentProgram.ProgramType"/>): a new instance per episode.</summary>
internal static class InProcessPrograms
{
    /// <summary>The launcher of <paramref name="program"/>, an in-process program.</summary>
    public static IProgramLauncher Launcher(RegisteredAgentProgram program)
    {
        var type = program.ProgramType ?? throw new ArgumentException($"Agent program `{program.Name}` runs as a process, not in process.", nameof(program));
        if (type.GetConstructor(Type.EmptyTypes) is null)
            throw new InvalidOperationException($"Can't create agent program {type.FullName}: it needs a public parameterless constructor.");
        return (IProgramLauncher)typeof(InProcessPrograms).GetMethod(nameof(InProcess), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(program.TaskType!).Invoke(null, [program.Name, type])!;
    }

    private static InProcessProgram<TTask> InProcess<TTask>(string name, Type type) where TTask : IEnvironmentTask =>
        new(name, () => (IAgentProgram<TTask>)Activator.CreateInstance(type)!);
}
