using System.ComponentModel.DataAnnotations;

namespace Forge.Host.Registry;

/// <summary>
/// One of an entry's <c>agent_programs</c>: a program in any language started per episode on the entry's tasks, like
/// <c>{"command": ["python3", "programs/agent.py"], "deadline_seconds": 120}</c>. It runs in the registry file's folder,
/// so relative paths in the command resolve there.
/// </summary>
internal sealed class ProcessProgramOptions : IValidatableObject
{
    /// <summary>The executable and its arguments.</summary>
    [Required]
    [MinLength(1)]
    public List<string>? Command { get; set; }

    /// <summary>How long the program may run for one episode; a scenario's own <c>deadline_seconds</c> wins over it.</summary>
    [Range(0.001, 86_400.0)]
    public double? DeadlineSeconds { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Command is not null && Command.Any(string.IsNullOrEmpty))
            yield return new ValidationResult("every item must be a non-empty string", [nameof(Command)]);
    }
}
