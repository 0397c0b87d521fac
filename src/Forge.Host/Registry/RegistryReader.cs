using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Forge.Core;
using Forge.Core.Configuration;

namespace Forge.Host.Registry;

/// <summary>
/// Reads <c>environments.json</c> with the configuration reader and resolves each entry to its class, found by the
/// class's <see cref="EnvironmentAttribute"/> in the entry's assembly or project (<c>Forge.Environments</c> by default).
/// Every problem (file, JSON path, what is wrong) is collected before one <see cref="RegistryException"/> is thrown.
/// </summary>
internal sealed partial class RegistryReader
{
    /// <summary>The schema version this reader understands.</summary>
    public const int SchemaVersion = RegistryFile.CurrentVersion;

    /// <summary>The assembly classes are looked up in when an entry doesn't say.</summary>
    public const string DefaultAssembly = "Forge.Environments";

    private readonly ConfigReader _config;
    private readonly string _folder;

    private RegistryReader(string path)
    {
        _config = new ConfigReader(DisplayPath(path));
        _folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
    }

    /// <summary>Reads <paramref name="path"/>; throws <see cref="RegistryException"/> listing every problem.</summary>
    public static IReadOnlyList<RegisteredEnvironment> Read(string path)
    {
        var reader = new RegistryReader(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{reader._config.File}: the environment registry doesn't exist. Run forge from a Forge repository, pass --registry PATH, or create one with `forge envs add PATH`.", path);
        var read = reader.ReadFile(File.ReadAllText(path));
        if (reader._config.Problems.Count > 0) throw new RegistryException(reader._config.Problems.Select(p => p.ToString()).ToList());
        return read;
    }

    /// <summary>A path as users should see it: relative to the working directory when it lies below it.</summary>
    public static string DisplayPath(string path)
    {
        var full = Path.GetFullPath(path);
        var current = Directory.GetCurrentDirectory();
        if (Path.GetPathRoot(current) == current) return full;
        var relative = Path.GetRelativePath(current, full);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? full : relative;
    }

    /// <summary>
    /// <paramref name="environmentType"/> as a registry entry that is just its id: everything from its
    /// <see cref="EnvironmentAttribute"/> (tasks, solver), default limits. Throws <see cref="RegistryException"/> listing every problem.
    /// </summary>
    public static RegisteredEnvironment FromType(Type environmentType)
    {
        var id = environmentType.GetCustomAttribute<EnvironmentAttribute>()?.Id
            ?? throw new ArgumentException($"{environmentType.FullName} has no [Environment(\"family/name\")] attribute.", nameof(environmentType));
        var reader = new RegistryReader(Path.Combine(Path.GetDirectoryName(environmentType.Assembly.Location) ?? AppContext.BaseDirectory, EnvironmentRegistry.FileName));
        var registered = reader.ReadEntry(id, new RegistryEntry(), $"[Environment(\"{id}\")] on {environmentType.Name}", environmentType.Assembly);
        if (reader._config.Problems.Count > 0) throw new RegistryException(reader._config.Problems.Select(p => p.ToString()).ToList());
        return registered!;
    }

    private void Problem(string jsonPath, string message) => _config.Problem(jsonPath, message);

    private List<RegisteredEnvironment> ReadFile(string text)
    {
        var result = new List<RegisteredEnvironment>();
        using var document = _config.Parse(text);
        if (document is null) return result;
        // A registry of another version is read no further: its entries would only repeat what the version problem says.
        if (document.RootElement is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("schema_version", out var version)
            && version.ValueKind == JsonValueKind.Number && version.TryGetInt32(out var v) && v != SchemaVersion)
        {
            Problem("$.schema_version", RegistryFile.VersionProblem(v));
            return result;
        }
        var file = _config.Bind<RegistryFile>(document.RootElement, "$");
        // Entries with a problem of their own (an unknown property, a bad limit) were left out of the map and reported.
        foreach (var (id, entry) in file.Environments ?? [])
            if (ReadEntry(id, entry ?? new RegistryEntry(), ConfigNames.Child("$.environments", id)) is { } registered) result.Add(registered);
        CheckProgramNames();
        return result;
    }

    private RegisteredEnvironment? ReadEntry(string id, RegistryEntry entry, string path, Assembly? known = null)
    {
        var before = _config.Problems.Count;
        if (!IdPattern().IsMatch(id))
            Problem(path, "an id is lower-case words separated by '/', like \"math/arithmetic\"");

        var assembly = known ?? LoadAssembly(entry, path);
        if (assembly is null) return null;
        var environmentType = FindEnvironment(assembly, id, path);
        if (environmentType is null) return null;
        var attribute = environmentType.GetCustomAttribute<EnvironmentAttribute>()!;
        var taskType = TypeResolver.TaskTypeOf(environmentType);
        var tasks = ReadTasks(entry.Tasks, attribute, path, assembly, environmentType, ref taskType);
        var solverType = attribute.Solver is null ? null : CheckSolver(attribute.Solver, environmentType, path);
        var programs = ReadPrograms(id, entry, path, assembly);

        if (_config.Problems.Count > before || taskType is null || tasks is null) return null;
        return new RegisteredEnvironment(id, attribute.Version, attribute.Description, environmentType, taskType, tasks, solverType, entry.Limits, entry.RewardMode, programs);
    }

    private Assembly? LoadAssembly(RegistryEntry entry, string path)
    {
        try
        {
            if (entry.Project is { } project) return EnvironmentAssemblies.LoadFile(EnvironmentAssemblies.BuildProject(project, _folder));
            return EnvironmentAssemblies.Load(entry.Assembly ?? DefaultAssembly, _folder);
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidOperationException or BadImageFormatException or FileLoadException)
        {
            Problem(entry.Project is not null ? $"{path}.project" : entry.Assembly is not null ? $"{path}.assembly" : path, e.Message);
            return null;
        }
    }

    private Type? FindEnvironment(Assembly assembly, string id, string path)
    {
        var declared = TypeResolver.LoadableTypes(assembly)
            .Select(t => (Type: t, Attribute: t.GetCustomAttribute<EnvironmentAttribute>()))
            .Where(x => x.Attribute is not null)
            .ToList();
        var matches = declared.Where(x => x.Attribute!.Id == id).Select(x => x.Type).ToList();
        var where = $"assembly '{assembly.GetName().Name}'";
        if (matches.Count == 0)
        {
            Problem(path, $"no class in {where} has [Environment(\"{id}\")].{NameSuggestions.DidYouMean(id, declared.Select(x => x.Attribute!.Id), "\"")}");
            return null;
        }
        if (matches.Count > 1)
        {
            Problem(path, $"{matches.Count} classes in {where} have [Environment(\"{id}\")] ({string.Join(", ", matches.Select(t => t.FullName))}); ids must be unique");
            return null;
        }
        var type = matches[0];
        if (!typeof(IEnvironment).IsAssignableFrom(type))
            Problem(path, $"{type.FullName} has [Environment(\"{id}\")] but is not an environment: it doesn't implement Forge.Core.IEnvironment (derive from ToolEnvironment<TTask> or Environment<TTask>)");
        else if (!TypeResolver.IsConstructible(type))
            Problem(path, $"{type.FullName} can't be created: an environment needs to be a concrete class with a public parameterless constructor");
        else
            return type;
        return null;
    }

    private Type? CheckSolver(Type solver, Type environment, string path)
    {
        if (!typeof(IAgent).IsAssignableFrom(solver))
            Problem(path, $"[Environment(Solver = typeof({solver.Name}))] on {environment.Name}: {solver.FullName} is not an agent (a solver implements Forge.Core.IAgent)");
        else if (!TypeResolver.IsConstructible(solver))
            Problem(path, $"[Environment(Solver = typeof({solver.Name}))] on {environment.Name}: {solver.FullName} can't be created (it needs to be a concrete class with a public parameterless constructor)");
        else
            return solver;
        return null;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$")]
    private static partial Regex IdPattern();
}
