using System.Reflection;
using Forge.Core;
using Forge.Core.Programs;
using Forge.Host.Registry;
using Forge.Serving.AgentPrograms;

namespace Forge.Cli.Commands.Run;

/// <summary>The in-process agent programs a scenario may name: classes marked <see cref="AgentProgramAttribute"/> in the assemblies of the registered environments.</summary>
internal sealed class AgentProgramCatalog
{
    private readonly Dictionary<string, (Type Type, AgentProgramAttribute Attribute)> _programs;

    private AgentProgramCatalog(Dictionary<string, (Type, AgentProgramAttribute)> programs) => _programs = programs;

    /// <summary>The programs' names.</summary>
    public IReadOnlyCollection<string> Names => _programs.Keys;

    /// <summary>Finds the programs in the assemblies <paramref name="registry"/>'s environments come from.</summary>
    public static AgentProgramCatalog From(EnvironmentRegistry registry)
    {
        var programs = new Dictionary<string, (Type, AgentProgramAttribute)>(StringComparer.Ordinal);
        foreach (var assembly in registry.Environments.Select(e => e.EnvironmentType.Assembly).Distinct())
            foreach (var type in LoadableTypes(assembly))
                if (type.GetCustomAttribute<AgentProgramAttribute>() is { } attribute && TaskType(type) is not null && !type.IsAbstract)
                    programs.TryAdd(attribute.Name, (type, attribute));
        return new AgentProgramCatalog(programs);
    }

    /// <summary>The id of the environment whose tasks <paramref name="name"/> takes; null when no program has that name.</summary>
    public string? EnvironmentOf(string name) => _programs.TryGetValue(name, out var p) ? p.Attribute.Environment : null;

    /// <summary>Runs one episode of a new instance of program <paramref name="name"/> on <paramref name="task"/>.</summary>
    public Task<AgentProgramEpisode> RunAsync(string name, AgentProgramRunner runner, IEnvironmentTask task, string episodeId, int seed, CancellationToken cancellationToken)
    {
        var (type, attribute) = _programs.TryGetValue(name, out var p) ? p : throw new KeyNotFoundException($"No agent program is named `{name}`.");
        var taskType = TaskType(type)!;
        if (!taskType.IsInstanceOfType(task))
            throw new ArgumentException($"Agent program `{name}` takes {taskType.Name} tasks ({attribute.Environment}), not {task.GetType().Name}.");
        var program = Activator.CreateInstance(type)
            ?? throw new InvalidOperationException($"Can't create agent program {type.FullName}: it needs a public parameterless constructor.");
        var run = typeof(AgentProgramRunner).GetMethods()
            .Single(m => m.Name == nameof(AgentProgramRunner.RunAsync) && m.IsGenericMethodDefinition)
            .MakeGenericMethod(taskType);
        return (Task<AgentProgramEpisode>)run.Invoke(runner, [program, task, episodeId, seed, cancellationToken])!;
    }

    private static Type? TaskType(Type type) =>
        type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IAgentProgram<>))?.GetGenericArguments()[0];

    private static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            return e.Types.OfType<Type>();
        }
    }
}
