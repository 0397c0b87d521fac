using System.Text.Json;

namespace Forge.Agents.SemanticKernel;

/// <summary>Options of a <see cref="SemanticKernelAgent"/>: which OpenAI-compatible endpoint and model, and how to sample.</summary>
public sealed class SemanticKernelAgentOptions
{
    /// <summary>Base URL of an OpenAI-compatible API (for example <c>https://api.openai.com/v1</c> or <c>http://localhost:8000/v1</c>). Required.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The model id sent with each request (for example <c>gpt-4o-mini</c>). Required.</summary>
    public string Model { get; set; } = "";

    /// <summary>The environment variable holding the API key. Default <c>OPENAI_API_KEY</c>; when it is unset no key is sent (local servers rarely need one).</summary>
    public string ApiKeyEnvironmentVariable { get; set; } = "OPENAI_API_KEY";

    /// <summary>Sampling temperature, 0 to 2; null leaves the server's default.</summary>
    public double? Temperature { get; set; }

    /// <summary>Most tokens per reply; null leaves the server's default.</summary>
    public int? MaxTokens { get; set; }

    /// <summary>Every problem with these options, empty when they are valid; <paramref name="prefix"/> names where they came from.</summary>
    public IReadOnlyList<string> Validate(string prefix = "") => Problems().Select(p => $"{prefix}{p.Key}: {p.Message}").ToList();

    private IEnumerable<(string Key, string Message)> Problems()
    {
        if (Endpoint is null) yield return ("endpoint", "required (the base URL of an OpenAI-compatible API, e.g. http://localhost:8000/v1)");
        else if (!Endpoint.IsAbsoluteUri || (Endpoint.Scheme != Uri.UriSchemeHttp && Endpoint.Scheme != Uri.UriSchemeHttps))
            yield return ("endpoint", $"must be an absolute http or https URL (got '{Endpoint}')");
        if (string.IsNullOrWhiteSpace(Model)) yield return ("model", "required (e.g. gpt-4o-mini)");
        if (string.IsNullOrWhiteSpace(ApiKeyEnvironmentVariable)) yield return ("api_key_env", "must name an environment variable");
        if (Temperature is { } t && !(t >= 0 && t <= 2)) yield return ("temperature", $"must be between 0 and 2 (got {t})");
        if (MaxTokens is < 1) yield return ("max_tokens", $"must be at least 1 (got {MaxTokens})");
    }

    /// <summary>Reads a scenario's <c>"agent"</c> section (<c>type</c>, <c>endpoint</c>, <c>model</c>, <c>api_key_env</c>, <c>temperature</c>, <c>max_tokens</c>).</summary>
    /// <exception cref="FormatException">Every problem at once, each naming <paramref name="file"/> and the JSON path.</exception>
    public static SemanticKernelAgentOptions FromScenario(JsonElement section, string file)
    {
        var errors = new List<string>();
        var badKeys = new HashSet<string>();
        var options = new SemanticKernelAgentOptions();
        if (section.ValueKind != JsonValueKind.Object)
            throw new FormatException($"{file}: $.agent: expected an object");
        foreach (var property in section.EnumerateObject())
        {
            var at = $"{file}: $.agent.{property.Name}";
            var before = errors.Count;
            var value = property.Value;
            switch (property.Name)
            {
                case "type":
                    break;
                case "endpoint":
                    if (value.ValueKind == JsonValueKind.String && Uri.TryCreate(value.GetString(), UriKind.Absolute, out var uri)) options.Endpoint = uri;
                    else errors.Add($"{at}: expected an absolute URL string");
                    break;
                case "model":
                    if (value.ValueKind == JsonValueKind.String) options.Model = value.GetString()!;
                    else errors.Add($"{at}: expected a string");
                    break;
                case "api_key_env":
                    if (value.ValueKind == JsonValueKind.String) options.ApiKeyEnvironmentVariable = value.GetString()!;
                    else errors.Add($"{at}: expected the name of an environment variable");
                    break;
                case "temperature":
                    if (value.ValueKind == JsonValueKind.Number) options.Temperature = value.GetDouble();
                    else errors.Add($"{at}: expected a number");
                    break;
                case "max_tokens":
                    if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var max)) options.MaxTokens = max;
                    else errors.Add($"{at}: expected an integer");
                    break;
                default:
                    errors.Add($"{at}: unknown property for a semantic-kernel agent (known: type, endpoint, model, api_key_env, temperature, max_tokens)");
                    break;
            }
            if (errors.Count > before) badKeys.Add(property.Name);
        }
        errors.AddRange(options.Problems().Where(p => !badKeys.Contains(p.Key)).Select(p => $"{file}: $.agent.{p.Key}: {p.Message}"));
        return errors.Count == 0 ? options : throw new FormatException(string.Join(Environment.NewLine, errors));
    }
}
