using System.ComponentModel.DataAnnotations;

namespace Forge.Core.Rewards;

/// <summary>
/// How a <see cref="JudgeEndpoint"/> asks its model: which model, how the verdict is read, and how hard to try. A scenario's
/// <c>"judge"</c> section is read into these by the configuration reader (snake_case; the ranges declared here enforced),
/// with <see cref="Endpoint"/> naming the OpenAI-compatible API the host connects to.
/// </summary>
public sealed class LlmJudgeOptions : IValidatableObject
{
    /// <summary>Base URL of an OpenAI-compatible API (<c>http://127.0.0.1:8000/v1</c>), for judges the host connects; null when the caller supplies the model.</summary>
    public string? Endpoint { get; set; }

    /// <summary>The environment variable holding the endpoint's API key (never recorded). Default <c>OPENAI_API_KEY</c>; unset sends none.</summary>
    [Required]
    public string ApiKeyEnv { get; set; } = "OPENAI_API_KEY";

    /// <summary>The judge model's id: sent with each request, recorded with each verdict, part of the cache key. Required.</summary>
    [Required]
    public string? Model { get; set; }

    /// <summary><c>text</c> (default: the verdict parsed from the reply) or <c>logprobs</c> (from the first token's probabilities).</summary>
    public JudgeMode Mode { get; set; } = JudgeMode.Text;

    /// <summary>First-token alternatives asked for in <c>logprobs</c> mode (OpenAI allows up to 20). Default 20.</summary>
    [Range(1, 20)]
    public int TopLogprobs { get; set; } = 20;

    /// <summary>Judge requests in flight at once, across every episode this endpoint judges. Default 4.</summary>
    [Range(1, 256)]
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>Retries of a failed judge request (HTTP errors, timeouts), with exponential back-off. Default 2.</summary>
    [Range(0, 10)]
    public int Retries { get; set; } = 2;

    /// <summary>The first retry's delay (<c>retry_delay_s</c>); later ones double it. Default 0.5 s.</summary>
    [Range(0, 60)]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(0.5);

    /// <inheritdoc />
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (Endpoint is not null && !(Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
            yield return new ValidationResult($"must be an absolute http or https URL, like http://127.0.0.1:8000/v1 (got '{Endpoint}')", [nameof(Endpoint)]);
    }
}
