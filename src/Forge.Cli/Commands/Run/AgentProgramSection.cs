using System.ComponentModel.DataAnnotations;
using Forge.Core.Configuration;
using Forge.Host.Registry;
using Forge.Host.Scenarios;

namespace Forge.Cli.Commands.Run;

/// <summary>
/// A scenario's <c>"agent": {"type": "agent-program", …}</c>: the policy to serve (<c>checkpoint</c> or <c>model</c>, relative
/// to the scenario file) and the program — <c>program</c>, an in-process program (<see cref="AgentProgramCatalog"/>), or
/// <c>command</c>, any program started per episode — with <c>deadline_seconds</c>, <c>max_batch</c> and <c>device</c>.
/// </summary>
internal sealed record AgentProgramSection(string Policy, string? Program, IReadOnlyList<string>? Command, double DeadlineSeconds, int MaxBatch, string Device,
    AgentProgramCatalog Programs)
{
    /// <summary>Reads the section through the configuration reader; every problem is reported together, each naming its JSON path.</summary>
    public static AgentProgramSection Read(Scenario scenario, EnvironmentRegistry registry)
    {
        var reader = new ConfigReader(scenario.Path);
        var options = reader.Bind<AgentProgramAgentOptions>(scenario.Agent.Raw, "$.agent");
        var programs = AgentProgramCatalog.From(registry);
        if (options.Program is { } program)
        {
            if (programs.EnvironmentOf(program) is not { } takes)
                reader.Problem("$.agent.program", $"`{program}` is not an agent program here; use one of {string.Join(", ", programs.Names.Order())}, or \"command\".{NameSuggestions.DidYouMean(program, programs.Names)}");
            else
                foreach (var other in scenario.Environments.Where(e => e.Id != takes))
                    reader.Problem($"{other.JsonPath}.id", $"the `{program}` agent program takes {takes} tasks, not {other.Id}.");
        }
        if (reader.Problems.Count > 0) throw new ScenarioException(reader.Problems.Select(p => p.ToString()).ToList());
        var folder = Path.GetDirectoryName(Path.GetFullPath(scenario.Path)) ?? ".";
        var policy = Path.GetFullPath(Path.Combine(folder, (options.Checkpoint ?? options.Model)!));
        return new AgentProgramSection(policy, options.Program, options.Command, options.DeadlineSeconds, options.MaxBatch, options.Device, programs);
    }
}

/// <summary>The shape of an <c>agent-program</c> agent section, as the configuration reader binds it.</summary>
internal sealed class AgentProgramAgentOptions : IValidatableObject
{
    /// <summary><c>agent-program</c>.</summary>
    [Required]
    public string? Type { get; set; }

    /// <summary>A Forge checkpoint to serve, relative to the scenario file.</summary>
    [MinLength(1)]
    public string? Checkpoint { get; set; }

    /// <summary>A Hugging Face model folder to serve, relative to the scenario file.</summary>
    [MinLength(1)]
    public string? Model { get; set; }

    /// <summary>An in-process program's name.</summary>
    [MinLength(1)]
    public string? Program { get; set; }

    /// <summary>A program started per episode: the executable and its arguments.</summary>
    [MinLength(1)]
    public List<string>? Command { get; set; }

    /// <summary>How long a program may run for one episode (its one turn in the episode driver, and a process program's own deadline). Default 120 s.</summary>
    [Range(0.001, 86_400.0)]
    public double DeadlineSeconds { get; set; } = 120;

    /// <summary>Most rows the server decodes together. Default 16.</summary>
    [Range(1, 4096)]
    public int MaxBatch { get; set; } = 16;

    /// <summary><c>auto</c>, <c>cpu</c> or <c>cuda</c>.</summary>
    [AllowedValues("auto", "cpu", "cuda")]
    public string Device { get; set; } = "auto";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if ((Checkpoint is null) == (Model is null))
            yield return new ValidationResult("give exactly one of \"checkpoint\" (a Forge checkpoint) or \"model\" (a Hugging Face folder) to serve.", [nameof(Checkpoint)]);
        if ((Program is null) == (Command is null))
            yield return new ValidationResult("give exactly one of \"program\" (an in-process agent program) or \"command\" (a program started per episode, like [\"python3\", \"agent.py\"]).", [nameof(Program)]);
        if (Command is not null && Command.Any(string.IsNullOrEmpty))
            yield return new ValidationResult("every item must be a non-empty string", [nameof(Command)]);
    }
}
