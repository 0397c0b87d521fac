namespace Forge.Serving.Api;

/// <summary>
/// A request the server refuses, answered in OpenAI's error shape:
/// <c>{"error": {"message", "type", "param", "code"}}</c> with <see cref="Status"/>.
/// </summary>
public sealed class ApiException : Exception
{
    /// <summary>An error with its HTTP status, the field it is about (null when none), a type and a code.</summary>
    public ApiException(int status, string message, string? param = null, string type = "invalid_request_error", string? code = null)
        : base(message)
    {
        Status = status;
        Param = param;
        Type = type;
        Code = code;
    }

    /// <summary>The HTTP status.</summary>
    public int Status { get; }

    /// <summary>The request field at fault, as a JSON path (<c>messages[2].tool_call_id</c>); null when none.</summary>
    public string? Param { get; }

    /// <summary>OpenAI's error type (<c>invalid_request_error</c>, <c>authentication_error</c>, …).</summary>
    public string Type { get; }

    /// <summary>A machine-readable code (<c>model_not_found</c>, <c>context_length_exceeded</c>, …) or null.</summary>
    public string? Code { get; }

    /// <summary>Seconds to wait before retrying (429, 503); null when not given.</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>400 about <paramref name="param"/>.</summary>
    public static ApiException BadField(string param, string message) => new(400, $"{param}: {message}", param);
}
