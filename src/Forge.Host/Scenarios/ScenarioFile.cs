using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using Forge.Core;

namespace Forge.Host.Scenarios;

/// <summary>The shape of a scenario file, as the configuration reader binds it (see <see cref="Scenario"/> for what each part means).</summary>
internal sealed class ScenarioFile : IValidatableObject
{
    [JsonPropertyName("$schema")]
    public string? Schema { get; set; }

    [Required]
    public string? Name { get; set; }

    public int Seed { get; set; }

    [Required(ErrorMessage = "is required: list the environments to run, like [{ \"id\": \"math/arithmetic\", \"tasks\": 10 }]"), MinLength(1)]
    public List<ScenarioEnvironmentSection>? Environments { get; set; }

    /// <summary>Read by <see cref="Scenario"/> itself: its type decides which properties it may have.</summary>
    [Required(ErrorMessage = "is required, like { \"type\": \"scripted\" }")]
    public JsonElement? Agent { get; set; }

    [Range(1, 1_000_000)]
    public int? EpisodesPerTask { get; set; }

    [Range(1, 10_000)]
    public int GroupSize { get; set; } = 1;

    [Range(1, RolloutOptions.MaxConcurrency)]
    public int Concurrency { get; set; } = 8;

    [Range(0, RolloutOptions.MaxAgentRetries)]
    public int AgentRetries { get; set; } = 2;

    /// <summary>Overrides of <see cref="EpisodeLimits"/>, read onto each environment's own limits.</summary>
    public JsonElement? Limits { get; set; }

    public RewardMode? RewardMode { get; set; }

    /// <summary>Read as <see cref="SandboxOptions"/>.</summary>
    public JsonElement? Sandbox { get; set; }

    /// <summary>Read by <c>forge train</c> (the trainer's options).</summary>
    public JsonElement? Trainer { get; set; }

    /// <summary>Read by Forge.Cluster (the cluster's options): run the episodes on cluster workers.</summary>
    public JsonElement? Cluster { get; set; }

    /// <summary>The judge model LLM-judged rewards ask.</summary>
    public Forge.Core.Rewards.LlmJudgeOptions? Judge { get; set; }

    [MinLength(1)]
    public string? Output { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (EpisodesPerTask is { } episodes && episodes % GroupSize != 0)
            yield return new ValidationResult($"must be a multiple of group_size ({GroupSize}), got {episodes}", [nameof(EpisodesPerTask)]);
        if (Trainer is { ValueKind: not JsonValueKind.Object and not JsonValueKind.Null } trainer)
            yield return new ValidationResult($"expected an object, got {Forge.Core.Configuration.ConfigReader.Describe(trainer)}", [nameof(Trainer)]);
        if (Judge is { Endpoint: null })
            yield return new ValidationResult("needs \"endpoint\": the base URL of the judge's OpenAI-compatible API, like http://127.0.0.1:8000/v1", [nameof(Judge)]);
        if (Cluster is { ValueKind: not JsonValueKind.Object and not JsonValueKind.Null } cluster)
            yield return new ValidationResult($"expected an object, got {Forge.Core.Configuration.ConfigReader.Describe(cluster)}", [nameof(Cluster)]);
    }
}

/// <summary>One entry of a scenario's <c>environments</c>.</summary>
internal sealed class ScenarioEnvironmentSection : IValidatableObject
{
    [Required]
    public string? Id { get; set; }

    [Range(1, 10_000_000)]
    public int? Tasks { get; set; }

    [MinLength(1)]
    public List<string>? TaskIds { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Tasks is not null && TaskIds is not null)
            yield return new ValidationResult("give either \"tasks\" (a count) or \"task_ids\" (a list), not both");
        foreach (var (id, index) in (TaskIds ?? []).Select((id, i) => (id, i)))
            if (string.IsNullOrEmpty(id))
                yield return new ValidationResult($"item {index} must not be empty", [nameof(TaskIds)]);
            else if (TaskIds!.IndexOf(id) < index)
                yield return new ValidationResult($"\"{id}\" is listed twice (item {index})", [nameof(TaskIds)]);
    }
}

/// <summary>An agent section the host reads itself (<c>scripted</c>).</summary>
internal class ScriptedAgentSection
{
    [Required]
    public string? Type { get; set; }
}

/// <summary>A <c>noisy</c> agent section: the scripted solver with plausible mistakes.</summary>
internal sealed class NoisyAgentSection : ScriptedAgentSection
{
    /// <summary>The chance per turn of a plausible mistake. Default 0.2.</summary>
    [Range(0.0, 1.0)]
    public double ErrorRate { get; set; } = 0.2;
}
