using System.Reflection;
using System.Runtime.Loader;
using Forge.Core;

namespace Forge.Host.Registry;

/// <summary>Finds the assemblies and types that <c>environments.json</c> names.</summary>
internal static class TypeResolver
{
    /// <summary>
    /// The assembly called <paramref name="name"/>: one already loaded, else one the application references (its deps file),
    /// else <c>name.dll</c> in the application's folder. Null when there is none.
    /// </summary>
    public static Assembly? LoadAssembly(string name)
    {
        foreach (var loaded in AppDomain.CurrentDomain.GetAssemblies())
            if (string.Equals(loaded.GetName().Name, name, StringComparison.Ordinal)) return loaded;
        try
        {
            return Assembly.Load(new AssemblyName(name));
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException or ArgumentException)
        {
        }
        var file = Path.Combine(AppContext.BaseDirectory, name + ".dll");
        if (!File.Exists(file)) return null;
        try
        {
            return AssemblyLoadContext.Default.LoadFromAssemblyPath(file);
        }
        catch (Exception e) when (e is FileLoadException or BadImageFormatException)
        {
            return null;
        }
    }

    /// <summary>The types of <paramref name="assembly"/> that could be loaded.</summary>
    public static IReadOnlyList<Type> LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            return e.Types.OfType<Type>().ToList();
        }
    }

    /// <summary>The <c>TTask</c> of an environment deriving from <see cref="Environment{TTask}"/>, or null.</summary>
    public static Type? TaskTypeOf(Type environmentType)
    {
        for (var t = environmentType; t is not null; t = t.BaseType)
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Environment<>)) return t.GetGenericArguments()[0];
        return null;
    }

    /// <summary>The task types a generator class makes (the <c>T</c> of each <see cref="ITaskGenerator{TTask}"/> it implements).</summary>
    public static IReadOnlyList<Type> GeneratedTaskTypes(Type generatorType) =>
        generatorType.GetInterfaces()
            .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ITaskGenerator<>))
            .Select(i => i.GetGenericArguments()[0])
            .ToList();

    /// <summary>The <c>TTask</c> of an agent program implementing <see cref="Forge.Core.Programs.IAgentProgram{TTask}"/>, or null.</summary>
    public static Type? AgentProgramTaskType(Type programType) =>
        programType.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(Forge.Core.Programs.IAgentProgram<>))?.GetGenericArguments()[0];

    /// <summary>True when <paramref name="type"/> is a concrete class with a public parameterless constructor.</summary>
    public static bool IsConstructible(Type type) =>
        type is { IsClass: true, IsAbstract: false, ContainsGenericParameters: false } && type.GetConstructor(Type.EmptyTypes) is not null;
}
