using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Forge.Core;

namespace Forge.Host.Registry;

/// <summary>
/// Writes entries into an <c>environments.json</c> (creating it when missing): <c>forge envs add</c> and <c>forge envs new</c>.
/// The file is rewritten as indented JSON; comments in it are not kept.
/// </summary>
public static class RegistryEditor
{
    /// <summary>
    /// Registers every environment class (<see cref="EnvironmentAttribute"/>) of the assembly or project at
    /// <paramref name="path"/> in <paramref name="registryPath"/>, each entry naming where it lives (relative to the registry's
    /// folder), then loads the registry to check it. A project is built first. Throws <see cref="ArgumentException"/> when
    /// the path holds no environment, <see cref="FileNotFoundException"/> when it doesn't exist.
    /// </summary>
    public static IReadOnlyList<string> AddFrom(string registryPath, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(registryPath);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            var projects = Directory.GetFiles(full, "*.csproj");
            full = projects.Length == 1 ? projects[0]
                : throw new ArgumentException(projects.Length == 0 ? $"{path} holds no .csproj; name a project or an assembly (.dll)." : $"{path} holds {projects.Length} projects; name one of them.");
        }
        var isProject = full.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase);
        if (!isProject && !full.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"{path} is neither a project (.csproj) nor an assembly (.dll).");
        if (!File.Exists(full)) throw new FileNotFoundException($"{path} doesn't exist.", full);

        var assembly = EnvironmentAssemblies.LoadFile(isProject ? EnvironmentAssemblies.BuildProject(full, Directory.GetCurrentDirectory()) : full);
        var ids = TypeResolver.LoadableTypes(assembly)
            .Select(t => t.GetCustomAttribute<EnvironmentAttribute>()?.Id)
            .OfType<string>()
            .Order(StringComparer.Ordinal)
            .ToList();
        if (ids.Count == 0)
            throw new ArgumentException($"{path}: assembly '{assembly.GetName().Name}' has no class marked [Environment(\"family/name\")].");

        var registryFull = Path.GetFullPath(registryPath);
        var relative = Path.GetRelativePath(Path.GetDirectoryName(registryFull)!, full).Replace('\\', '/');
        var registry = Read(registryFull);
        var environments = registry["environments"]!.AsObject();
        foreach (var id in ids)
            environments[id] = new JsonObject { [isProject ? "project" : "assembly"] = relative };
        Write(registryFull, registry);
        EnvironmentRegistry.Load(registryFull);
        return ids;
    }

    /// <summary>The registry at <paramref name="path"/> as JSON, or a new empty one.</summary>
    internal static JsonObject Read(string path)
    {
        if (!File.Exists(path)) return new JsonObject { ["schema_version"] = RegistryReader.SchemaVersion, ["environments"] = new JsonObject() };
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(File.ReadAllText(path), documentOptions: Forge.Core.Configuration.ConfigReader.DocumentOptions);
        }
        catch (JsonException e)
        {
            throw new FormatException($"{RegistryReader.DisplayPath(path)}:{(e.LineNumber ?? 0) + 1}: not valid JSON; fix it before adding an environment.", e);
        }
        if (node is not JsonObject registry) throw new FormatException($"{RegistryReader.DisplayPath(path)}: $: expected an object; fix it before adding an environment.");
        registry["environments"] ??= new JsonObject();
        if (registry["environments"] is not JsonObject)
            throw new FormatException($"{RegistryReader.DisplayPath(path)}: $.environments: expected an object; fix it before adding an environment.");
        return registry;
    }

    /// <summary>Writes <paramref name="registry"/> to <paramref name="path"/>, indented.</summary>
    internal static void Write(string path, JsonObject registry) =>
        File.WriteAllText(path, registry.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + System.Environment.NewLine);
}
