using System.ComponentModel.DataAnnotations;
using Forge.Core.Configuration;
using Forge.Host.Registry;
using Forge.Host.Scenarios;

namespace Forge.Cli.Commands.Run;

/// <summary>
/// A scenario's <c>"agent": {"type": "agent-program", …}</c>: the policy to serve (<c>checkpoint</c> or <c>model</c>, relative
/// to the scenario file) and the program — <c>program</c>, one the registry names (<see cref="EnvironmentRegistry.AgentPrograms"/>:
/// in process, or a process an entry declares), or <c>command</c>, any program started per episode in the scenario's folder —
/// with <c>deadline_seconds</c> (the scenario's, else the registered program's, else 120 s), <c>max_batch</c> and <c>device</c>.
/// </summary>
/// <param name="Policy">The checkpoint or model folder to serve (full path).</param>
/// <param name="InProcess">The in-process program to run; null when a process runs.</param>
/// <param name="Command">The process to start per episode; null for an in-process program.</param>
/// <param name="WorkingDirectory">Where the process runs: the scenario's folder for its own command, the registry's for a registered one.</param>
/// <param name="DeadlineSeconds">How long the program may run for one episode.</param>
/// <param name="MaxBatch">Most rows the server decodes together.</param>
/// <param name="Device"><c>auto</c>, <c>cpu</c> or <c>cuda</c>.</param>
internal sealed record AgentProgramSection(string Policy, RegisteredAgentProgram? InProcess, IReadOnlyList<string>? Command, string? WorkingDirectory,
    double DeadlineSeconds, int MaxBatch, string Device)
{
    /// <summary>The default of <c>deadline_seconds</c> when neither the scenario nor the registered program sets one.</summary>
    public const double DefaultDeadlineSeconds = 120;

    /// <summary>Reads the section through the configuration reader; every problem is reported together, each naming its JSON path.</summary>
    public static AgentProgramSection Read(Scenario scenario, EnvironmentRegistry registry)
    {
        var reader = new ConfigReader(scenario.Path);
        var options = reader.Bind<AgentProgramAgentOptions>(scenario.Agent.Raw, "$.agent");
        RegisteredAgentProgram? registered = null;
        if (options.Program is { } name)
        {
            registered = registry.FindProgram(name);
            var names = registry.AgentPrograms.Select(p => p.Name).ToList();
            if (registered is null)
                reader.Problem("$.agent.program", $"`{name}` is not an agent program here; use one of {string.Join(", ", names)}, or \"command\".{NameSuggestions.DidYouMean(name, names)}");
            else
                foreach (var other in scenario.Environments.Where(e => e.Id != registered.EnvironmentId))
                    reader.Problem($"{other.JsonPath}.id", $"the `{name}` agent program takes {registered.EnvironmentId} tasks, not {other.Id}.");
        }
        // A process program runs sandboxed through a Unix socket in a workspace shared with the host: said before anything starts.
        var isProcess = registered?.IsProcess ?? options.Command is not null;
        if (isProcess && scenario.Sandbox is not null && scenario.SandboxOptionsFor(registry) is { Backend: not "local" } sandbox)
            reader.Problem("$.sandbox.backend", $"process agent programs run in the local sandbox only (the {sandbox.Backend} sandbox shares no folder with the host, through which the program reaches the served policy); use \"local\", or leave out the sandbox section to run the program unsandboxed.");
        if (reader.Problems.Count > 0) throw new ScenarioException(reader.Problems.Select(p => p.ToString()).ToList());
        var folder = Path.GetDirectoryName(Path.GetFullPath(scenario.Path)) ?? ".";
        var policy = Path.GetFullPath(Path.Combine(folder, (options.Checkpoint ?? options.Model)!));
        var deadline = options.DeadlineSeconds ?? registered?.Deadline?.TotalSeconds ?? DefaultDeadlineSeconds;
        return registered switch
        {
            { IsProcess: true } process => new AgentProgramSection(policy, null, process.Command, process.WorkingDirectory, deadline, options.MaxBatch, options.Device),
            { } inProcess => new AgentProgramSection(policy, inProcess, null, null, deadline, options.MaxBatch, options.Device),
            null => new AgentProgramSection(policy, null, options.Command, folder, deadline, options.MaxBatch, options.Device),
        };
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

    /// <summary>A registered program's name (<see cref="EnvironmentRegistry.AgentPrograms"/>).</summary>
    [MinLength(1)]
    public string? Program { get; set; }

    /// <summary>A program started per episode: the executable and its arguments.</summary>
    [MinLength(1)]
    public List<string>? Command { get; set; }

    /// <summary>
    /// How long a program may run for one episode (its one turn in the episode driver, and a process program's own deadline);
    /// null takes the registered program's <c>deadline_seconds</c>, else 120 s.
    /// </summary>
    [Range(0.001, 86_400.0)]
    public double? DeadlineSeconds { get; set; }

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
            yield return new ValidationResult("give exactly one of \"program\" (an agent program the registry names) or \"command\" (a program started per episode, like [\"python3\", \"agent.py\"]).", [nameof(Program)]);
        if (Command is not null && Command.Any(string.IsNullOrEmpty))
            yield return new ValidationResult("every item must be a non-empty string", [nameof(Command)]);
    }
}
