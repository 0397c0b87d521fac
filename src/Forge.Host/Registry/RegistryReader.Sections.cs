using System.Reflection;
using Forge.Core;

namespace Forge.Host.Registry;

internal sealed partial class RegistryReader
{
    /// <summary>
    /// The entry's task source, or the attribute's default: a task file (the entry's relative to the registry's folder, the
    /// attribute's relative to the environment assembly's folder) or a generator (found in the environment's assembly).
    /// </summary>
    private TaskSource? ReadTasks(TaskSourceOptions? tasks, EnvironmentAttribute attribute, string path, Assembly assembly, Type environmentType, ref Type? taskType)
    {
        var tasksPath = $"{path}.tasks";
        if (tasks is { File: { } file })
            return ReadTaskFile(file, Path.Combine(_folder, file), $"{tasksPath}.file", environmentType, taskType);
        if (tasks is { Generator: { } generator, Count: { } count })
        {
            var type = FindGenerator(assembly, generator, $"{tasksPath}.generator");
            return type is null ? null : ReadGenerator(type, count, $"{tasksPath}.generator", environmentType, ref taskType);
        }
        var where = $"[Environment] on {environmentType.Name}";
        if (attribute.TaskFile is { } defaultFile)
        {
            var folder = Path.GetDirectoryName(environmentType.Assembly.Location) ?? AppContext.BaseDirectory;
            return ReadTaskFile(defaultFile, Path.Combine(folder, defaultFile), path, environmentType, taskType, where);
        }
        if (attribute.TaskGenerator is { } defaultGenerator)
            return ReadGenerator(defaultGenerator, attribute.TaskCount, path, environmentType, ref taskType, where);
        Problem(path, $"no tasks: add \"tasks\": {{ \"file\": \"….jsonl\" }} or {{ \"generator\": \"Namespace.Type\", \"count\": 100 }}, or give {environmentType.Name}'s [Environment] a TaskFile or TaskGenerator");
        return null;
    }

    private FileTaskSource? ReadTaskFile(string file, string full, string path, Type environmentType, Type? taskType, string? declaredBy = null)
    {
        var owner = declaredBy is null ? "" : $"{declaredBy}: ";
        if (!File.Exists(full))
        {
            Problem(path, $"{owner}task file '{file}' doesn't exist (looked at {full})");
            return null;
        }
        if (taskType is null)
        {
            Problem(path, $"can't tell what tasks {environmentType.Name} takes: derive it from Environment<TTask>, or use a generator");
            return null;
        }
        try
        {
            var read = typeof(TaskFile).GetMethod(nameof(TaskFile.Read))!.MakeGenericMethod(taskType);
            var tasks = (IReadOnlyList<IEnvironmentTask>)read.Invoke(null, [DisplayPath(full)])!;
            if (tasks.Count > 0) return new FileTaskSource(file, tasks);
            Problem(path, $"{owner}task file '{file}' has no tasks");
        }
        catch (TargetInvocationException e) when (e.InnerException is FormatException or IOException or UnauthorizedAccessException or NotSupportedException or InvalidOperationException)
        {
            foreach (var line in e.InnerException.Message.Split('\n'))
                Problem(path, e.InnerException is FormatException ? line.TrimEnd('\r') : $"task file '{file}' can't be read: {line.TrimEnd('\r')}");
        }
        return null;
    }

    private Type? FindGenerator(Assembly assembly, string generator, string path)
    {
        var type = assembly.GetType(generator, throwOnError: false);
        if (type is not null) return type;
        var candidates = TypeResolver.LoadableTypes(assembly).Where(t => t.FullName is not null && TypeResolver.GeneratedTaskTypes(t).Count > 0).Select(t => t.FullName!);
        Problem(path, $"type '{generator}' not found in assembly '{assembly.GetName().Name}'.{Forge.Core.Configuration.NameSuggestions.DidYouMean(generator, candidates, "'")}");
        return null;
    }

    private GeneratorTaskSource? ReadGenerator(Type type, int count, string path, Type environmentType, ref Type? taskType, string? declaredBy = null)
    {
        var owner = declaredBy is null ? "" : $"{declaredBy}: ";
        var made = TypeResolver.GeneratedTaskTypes(type);
        if (made.Count == 0)
        {
            Problem(path, $"{owner}type '{type.FullName}' is not a task generator: it doesn't implement Forge.Core.ITaskGenerator<TTask>");
            return null;
        }
        if (!TypeResolver.IsConstructible(type))
        {
            Problem(path, $"{owner}type '{type.FullName}' can't be created: a generator needs to be a concrete class with a public parameterless constructor");
            return null;
        }
        var expected = taskType;
        var fitting = made.FirstOrDefault(m => expected is null || expected.IsAssignableFrom(m));
        if (fitting is null || fitting.IsValueType)
        {
            Problem(path, fitting is null
                ? $"{owner}'{type.FullName}' makes {string.Join(", ", made.Select(m => m.Name))} tasks but {environmentType.Name} takes {expected!.Name} tasks"
                : $"{owner}'{type.FullName}' makes {fitting.Name} tasks, a struct; task types must be classes (records)");
            return null;
        }
        if (count < 1)
        {
            Problem(path, $"{owner}the task count must be at least 1 (got {count})");
            return null;
        }
        taskType ??= fitting;
        var source = new GeneratorTaskSource(type, count);
        try
        {
            source.Take(seed: 0, 1);
            return source;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var inner = e is TargetInvocationException { InnerException: { } i } ? i : e;
            Problem(path, $"{owner}generating task 0 with seed 0 threw {inner.GetType().Name}: {inner.Message}");
            return null;
        }
    }
}
