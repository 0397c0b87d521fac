using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Forge.Core;
using Forge.Core.Configuration;

namespace Forge.Host.Registry;

/// <summary>The shape of <c>environments.json</c>, as the configuration reader binds it.</summary>
internal sealed class RegistryFile
{
    /// <summary>The schema version this reader understands.</summary>
    public const int CurrentVersion = 2;

    /// <summary>An editor's schema reference; ignored.</summary>
    [JsonPropertyName("$schema")]
    public string? Schema { get; set; }

    /// <summary>Must be <see cref="CurrentVersion"/>; the reader checks it before anything else (<see cref="VersionProblem"/>).</summary>
    [Required]
    public int? SchemaVersion { get; set; }

    /// <summary>Ids mapped to deployment settings.</summary>
    [Required]
    public Dictionary<string, RegistryEntry>? Environments { get; set; }

    /// <summary>What is wrong with a registry of schema version <paramref name="version"/>.</summary>
    public static string VersionProblem(int version) => version > CurrentVersion
        ? $"version {version} is newer than this forge understands ({CurrentVersion}); update forge"
        : $"version {version} is not supported; in version {CurrentVersion} an entry keeps only deployment settings (tasks, limits, reward_mode, assembly or project): " +
          "the class is found by its [Environment(\"id\")] attribute, which carries the version, description and solver. Remove those from each entry and write \"schema_version\": 2";
}

/// <summary>
/// One entry of <c>environments.json</c>: deployment settings only. What is code (the class, version, description, solver,
/// default tasks) is on the class's <see cref="EnvironmentAttribute"/>; an entry may be empty (<c>"math/arithmetic": {}</c>).
/// </summary>
[ConfigHint("type", "The class is found by its [Environment(\"id\")] attribute; remove \"type\" (and name the assembly or project when it isn't Forge.Environments).")]
[ConfigHint("version", "The version is declared once, on the class's [Environment(Version = …)] attribute; remove it here.")]
[ConfigHint("description", "The description is declared once, on the class's [Environment(Description = …)] attribute; remove it here.")]
[ConfigHint("solver", "The solver is declared once, on the class's [Environment(Solver = typeof(…))] attribute; remove it here.")]
[ConfigHint("agent_program", "Name each program: \"agent_programs\": { \"NAME\": { \"command\": [\"python3\", \"agent.py\"] } }.")]
internal sealed class RegistryEntry : IValidatableObject
{
    /// <summary>The assembly holding the class: a name (<c>Forge.Environments</c>, the default) or a path to a <c>.dll</c>, relative to the registry's folder.</summary>
    public string? Assembly { get; set; }

    /// <summary>A project (<c>.csproj</c>) to build on first use and load the class from, relative to the registry's folder.</summary>
    public string? Project { get; set; }

    /// <summary>Where the tasks come from; null takes the attribute's <see cref="EnvironmentAttribute.TaskFile"/> or <see cref="EnvironmentAttribute.TaskGenerator"/>.</summary>
    public TaskSourceOptions? Tasks { get; set; }

    /// <summary>The default limits of an episode (a scenario may override them).</summary>
    public EpisodeLimits Limits { get; set; } = EpisodeLimits.Default;

    /// <summary>The default reward mode (a scenario may override it).</summary>
    public RewardMode RewardMode { get; set; } = RewardMode.Graded;

    /// <summary>Agent programs started as processes on this environment's tasks, by the name scenarios use.</summary>
    public Dictionary<string, ProcessProgramOptions?>? AgentPrograms { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Assembly is not null && Project is not null)
            yield return new ValidationResult("give either \"assembly\" or \"project\", not both", [nameof(Project)]);
        if (Assembly is { Length: 0 }) yield return new ValidationResult("must not be empty", [nameof(Assembly)]);
        if (Project is { } p && !p.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase))
            yield return new ValidationResult($"\"{p}\" is not a project file; name a .csproj", [nameof(Project)]);
    }
}

/// <summary>An entry's <c>tasks</c>: a JSON-lines file, or a generator and how many tasks it makes.</summary>
internal sealed class TaskSourceOptions : IValidatableObject
{
    /// <summary>A task file, relative to the registry's folder.</summary>
    [MinLength(1)]
    public string? File { get; set; }

    /// <summary>The full name of an <see cref="ITaskGenerator{TTask}"/> in the environment's assembly.</summary>
    [MinLength(1)]
    public string? Generator { get; set; }

    /// <summary>How many tasks the generator makes by default.</summary>
    [Range(1, 10_000_000)]
    public int? Count { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if ((File is null) == (Generator is null))
            yield return new ValidationResult(File is null ? "give either \"file\" or \"generator\"" : "give either \"file\" or \"generator\", not both");
        else if (File is not null && Count is not null)
            yield return new ValidationResult("\"count\" goes with \"generator\"; every line of a task file is a task", [nameof(Count)]);
        else if (Generator is not null && Count is null)
            yield return new ValidationResult("\"count\" is missing: how many tasks the generator makes by default");
    }
}
