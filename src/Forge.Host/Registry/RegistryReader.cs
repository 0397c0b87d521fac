using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Forge.Core;

namespace Forge.Host.Registry;

/// <summary>
/// Reads and validates <c>environments.json</c>, collecting every problem (file, JSON path, what is wrong) before
/// throwing one <see cref="RegistryException"/>, so a user fixes them all in one pass.
/// </summary>
internal sealed partial class RegistryReader
{
    /// <summary>The schema version this reader understands.</summary>
    public const int SchemaVersion = 1;

    /// <summary>The assembly types are looked up in when an entry doesn't say.</summary>
    public const string DefaultAssembly = "Forge.Environments";

    private static readonly string[] TopLevelProperties = ["$schema", "schema_version", "environments"];
    private static readonly string[] EntryProperties = ["type", "assembly", "version", "description", "tasks", "solver", "limits", "reward_mode"];
    private static readonly string[] TaskProperties = ["file", "generator", "count"];
    private static readonly string[] LimitProperties = ["max_turns", "turn_timeout_s", "step_timeout_s", "tool_timeout_s", "episode_timeout_s", "max_action_chars"];
    private static readonly string[] RewardModes = ["graded", "binary"];

    private readonly string _displayPath;
    private readonly string _folder;
    private readonly List<string> _problems = [];

    private RegistryReader(string path)
    {
        _displayPath = DisplayPath(path);
        _folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
    }

    /// <summary>Reads <paramref name="path"/>; throws <see cref="RegistryException"/> listing every problem.</summary>
    public static IReadOnlyList<RegisteredEnvironment> Read(string path)
    {
        var reader = new RegistryReader(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{reader._displayPath}: the environment registry doesn't exist. Run forge from a Forge repository, or pass --registry PATH.", path);
        var environments = reader.ReadFile(File.ReadAllText(path));
        if (reader._problems.Count > 0) throw new RegistryException(reader._problems);
        return environments;
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

    private void Problem(string jsonPath, string message) => _problems.Add($"{_displayPath}: {jsonPath}: {message}");

    private List<RegisteredEnvironment> ReadFile(string text)
    {
        var result = new List<RegisteredEnvironment>();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            _problems.Add($"{_displayPath}:{(e.LineNumber ?? 0) + 1}: not valid JSON: {FirstSentence(e.Message)}");
            return result;
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                Problem("$", $"expected an object with \"schema_version\" and \"environments\", got {Kind(root)}");
                return result;
            }
            CheckUnknown(root, "$", TopLevelProperties);

            if (!root.TryGetProperty("schema_version", out var version))
                Problem("$", $"\"schema_version\" is missing; add \"schema_version\": {SchemaVersion}");
            else if (version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out var v))
                Problem("$.schema_version", $"expected an integer, got {Kind(version)}");
            else if (v != SchemaVersion)
                Problem("$.schema_version", v > SchemaVersion
                    ? $"version {v} is newer than this forge understands ({SchemaVersion}); update forge"
                    : $"version {v} is not supported; the current version is {SchemaVersion}");

            if (!root.TryGetProperty("environments", out var environments))
                Problem("$", "\"environments\" is missing; add \"environments\": { }");
            else if (environments.ValueKind != JsonValueKind.Object)
                Problem("$.environments", $"expected an object mapping ids to entries, got {Kind(environments)}");
            else
                foreach (var entry in environments.EnumerateObject())
                    if (ReadEntry(entry.Name, entry.Value) is { } registered) result.Add(registered);
        }
        return result;
    }

    private RegisteredEnvironment? ReadEntry(string id, JsonElement entry)
    {
        var path = $"$.environments['{id.Replace("'", "\\'", StringComparison.Ordinal)}']";
        var before = _problems.Count;
        if (!IdPattern().IsMatch(id))
            Problem(path, "an id is lower-case words separated by '/', like \"math/arithmetic\"");
        if (entry.ValueKind != JsonValueKind.Object)
        {
            Problem(path, $"expected an object, got {Kind(entry)}");
            return null;
        }
        CheckUnknown(entry, path, EntryProperties);

        var typeName = String(entry, path, "type", required: true);
        var assemblyName = String(entry, path, "assembly", required: false);
        var version = String(entry, path, "version", required: true);
        var description = String(entry, path, "description", required: false);
        var solverName = String(entry, path, "solver", required: false);

        Assembly? assembly = null;
        if (typeName is not null || solverName is not null)
        {
            assembly = TypeResolver.LoadAssembly(assemblyName ?? DefaultAssembly);
            if (assembly is null)
                Problem(assemblyName is null ? $"{path}.type" : $"{path}.assembly",
                    $"assembly '{assemblyName ?? DefaultAssembly}' not found (looked for it among the application's assemblies in {AppContext.BaseDirectory})");
        }

        var environmentType = assembly is null || typeName is null ? null : ResolveEnvironment(assembly, typeName, id, version, $"{path}.type", $"{path}.version");
        var taskType = environmentType is null ? null : TypeResolver.TaskTypeOf(environmentType);
        var tasks = ReadTasks(entry, path, assembly, environmentType, ref taskType);
        var solverType = assembly is null || solverName is null ? null : ResolveSolver(assembly, solverName, $"{path}.solver");
        var limits = ReadLimits(entry, path);
        var rewardMode = ReadRewardMode(entry, path);

        if (_problems.Count > before || environmentType is null || taskType is null || tasks is null || version is null) return null;
        var attribute = environmentType.GetCustomAttribute<EnvironmentAttribute>()!;
        return new RegisteredEnvironment(id, version, description ?? attribute.Description, environmentType, taskType, tasks, solverType, limits, rewardMode);
    }

    private Type? ResolveEnvironment(Assembly assembly, string typeName, string id, string? version, string typePath, string versionPath)
    {
        var type = FindType(assembly, typeName, typePath, t => typeof(IEnvironment).IsAssignableFrom(t));
        if (type is null) return null;
        if (!typeof(IEnvironment).IsAssignableFrom(type))
        {
            Problem(typePath, $"type '{typeName}' is not an environment: it doesn't implement Forge.Core.IEnvironment (derive from ToolEnvironment<TTask> or Environment<TTask>)");
            return null;
        }
        if (!TypeResolver.IsConstructible(type))
        {
            Problem(typePath, $"type '{typeName}' can't be created: an environment needs to be a concrete class with a public parameterless constructor");
            return null;
        }
        var attribute = type.GetCustomAttribute<EnvironmentAttribute>();
        if (attribute is null)
        {
            Problem(typePath, $"type '{typeName}' has no [Environment(\"{id}\")] attribute");
            return null;
        }
        var ok = true;
        if (!string.Equals(attribute.Id, id, StringComparison.Ordinal))
        {
            Problem(typePath, $"the class says [Environment(\"{attribute.Id}\")] but is registered as '{id}'; make them equal");
            ok = false;
        }
        if (version is not null && !string.Equals(attribute.Version, version, StringComparison.Ordinal))
        {
            Problem(versionPath, $"\"{version}\" doesn't match the class's [Environment(Version = \"{attribute.Version}\")]; make them equal");
            ok = false;
        }
        return ok ? type : null;
    }

    private Type? ResolveSolver(Assembly assembly, string typeName, string path)
    {
        var type = FindType(assembly, typeName, path, t => typeof(IAgent).IsAssignableFrom(t));
        if (type is null) return null;
        if (!typeof(IAgent).IsAssignableFrom(type))
            Problem(path, $"type '{typeName}' is not an agent: a solver implements Forge.Core.IAgent");
        else if (!TypeResolver.IsConstructible(type))
            Problem(path, $"type '{typeName}' can't be created: a solver needs to be a concrete class with a public parameterless constructor");
        else
            return type;
        return null;
    }

    private Type? FindType(Assembly assembly, string typeName, string path, Func<Type, bool> isCandidate)
    {
        var type = assembly.GetType(typeName, throwOnError: false);
        if (type is not null) return type;
        var candidates = TypeResolver.LoadableTypes(assembly).Where(t => t.FullName is not null && isCandidate(t)).Select(t => t.FullName!);
        Problem(path, $"type '{typeName}' not found in assembly '{assembly.GetName().Name}'.{NameSuggestions.DidYouMean(typeName, candidates, "'")}");
        return null;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$")]
    private static partial Regex IdPattern();
}
