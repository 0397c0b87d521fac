using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Forge.Host.Registry.Scaffolding;

/// <summary>
/// <c>forge envs new NAME</c>: writes a small working environment into a Forge repository — the class with one tool and a
/// rubric, a task file, a scripted solver — and registers it in <c>environments.json</c>, ready for <c>forge envs check</c>.
/// </summary>
public static partial class EnvironmentScaffold
{
    /// <summary>
    /// Scaffolds <paramref name="name"/> (<c>demo</c> is registered as <c>custom/demo</c>; <c>games/demo</c> as itself) in the
    /// repository at <paramref name="repositoryRoot"/>. Refuses to overwrite anything unless <paramref name="force"/>;
    /// throws <see cref="ArgumentException"/> for a bad name and <see cref="InvalidOperationException"/> for what exists.
    /// </summary>
    public static ScaffoldResult Create(string repositoryRoot, string name, bool force = false)
    {
        ArgumentNullException.ThrowIfNull(repositoryRoot);
        ArgumentNullException.ThrowIfNull(name);
        if (!NamePattern().IsMatch(name))
            throw new ArgumentException($"'{name}' is not a valid environment name: use lower-case letters, digits and '-', starting with a letter, optionally with a family ('games/my-game').");
        var id = name.Contains('/', StringComparison.Ordinal) ? name : $"custom/{name}";
        var shortName = id[(id.LastIndexOf('/') + 1)..];
        var pascal = string.Concat(shortName.Split('-', StringSplitOptions.RemoveEmptyEntries).Select(part => char.ToUpperInvariant(part[0]) + part[1..]));

        var root = Path.GetFullPath(repositoryRoot);
        if (!File.Exists(Path.Combine(root, "environments", "Forge.Environments.csproj")))
            throw new InvalidOperationException($"{root} is not a Forge repository (no environments/Forge.Environments.csproj); run forge envs new at the repository's root.");

        var folder = $"environments/{pascal}";
        var files = new (string Path, string Template)[]
        {
            ($"{folder}/{pascal}Environment.cs", "Environment.template"),
            ($"{folder}/{pascal}Solver.cs", "Solver.template"),
            ($"{folder}/tasks.jsonl", "Tasks.template"),
        };
        var registryPath = Path.Combine(root, EnvironmentRegistry.FileName);
        var registry = RegistryEditor.Read(registryPath);
        var environments = registry["environments"]!.AsObject();

        if (!force)
        {
            var existing = files.Select(f => f.Path).Where(p => File.Exists(Path.Combine(root, p))).ToList();
            if (existing.Count > 0)
                throw new InvalidOperationException($"{string.Join(", ", existing)} already exist{(existing.Count == 1 ? "s" : "")}; pick another name, or pass --force to overwrite.");
            if (environments.ContainsKey(id))
                throw new InvalidOperationException($"{EnvironmentRegistry.FileName} already registers '{id}'; pick another name, or pass --force to overwrite.");
        }

        var texts = files.Select(f => (f.Path, Text: Render(f.Template, id, shortName, pascal))).ToList();
        foreach (var (path, text) in texts)
        {
            var full = Path.Combine(root, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, text);
        }
        // The class carries id, version, description and solver; the entry keeps deployment settings only.
        environments[id] = new JsonObject
        {
            ["tasks"] = new JsonObject { ["file"] = $"{folder}/tasks.jsonl" },
            ["limits"] = new JsonObject { ["max_turns"] = 4 },
            ["reward_mode"] = "graded",
        };
        RegistryEditor.Write(registryPath, registry);
        return new ScaffoldResult(id, $"Forge.Environments.{pascal}.{pascal}Environment", [.. files.Select(f => f.Path)], registryPath);
    }

    /// <summary>The text of a template with the names filled in.</summary>
    internal static string Render(string template, string id, string name, string pascal)
    {
        using var stream = typeof(EnvironmentScaffold).Assembly.GetManifestResourceStream($"Forge.Host.Registry.Scaffolding.Templates.{template}")
            ?? throw new InvalidOperationException($"The scaffold template {template} is missing from {typeof(EnvironmentScaffold).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Replace("{{Id}}", id, StringComparison.Ordinal).Replace("{{Name}}", name, StringComparison.Ordinal).Replace("{{Pascal}}", pascal, StringComparison.Ordinal);
    }

    [GeneratedRegex("^[a-z][a-z0-9]*(-[a-z0-9]+)*(/[a-z][a-z0-9]*(-[a-z0-9]+)*)?$")]
    private static partial Regex NamePattern();
}

/// <summary>What <see cref="EnvironmentScaffold.Create"/> wrote.</summary>
/// <param name="Id">The registry id.</param>
/// <param name="TypeName">The environment class's full name.</param>
/// <param name="Files">The files written, relative to the repository root.</param>
/// <param name="RegistryPath">The registry file the entry went into.</param>
public sealed record ScaffoldResult(string Id, string TypeName, IReadOnlyList<string> Files, string RegistryPath);
