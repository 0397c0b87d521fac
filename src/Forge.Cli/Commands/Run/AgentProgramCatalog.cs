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

    /// <summary>Starts program <paramref name="name"/>: a new instance per episode.</summary>
    public IProgramLauncher Launcher(string name)
    {
        var (type, _) = _programs.TryGetValue(name, out var p) ? p : throw new KeyNotFoundException($"No agent program is named `{name}`.");
        if (type.GetConstructor(Type.EmptyTypes) is null)
            throw new InvalidOperationException($"Can't create agent program {type.FullName}: it needs a public parameterless constructor.");
        return (IProgramLauncher)typeof(AgentProgramCatalog).GetMethod(nameof(InProcess), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(TaskType(type)!).Invoke(null, [name, type])!;
    }

    private static InProcessProgram<TTask> InProcess<TTask>(string name, Type type) where TTask : IEnvironmentTask =>
        new(name, () => (IAgentProgram<TTask>)Activator.CreateInstance(type)!);

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
