using System.Net;
using System.Net.Sockets;
using Docker.DotNet;
using Forge.Core;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Forge.Sandbox.Docker;

/// <summary>How calls to the Docker engine are retried, timed out and cut off while the engine is down.</summary>
internal sealed record DockerResilienceOptions
{
    /// <summary>Retries of a transient failure (HTTP 5xx, socket errors, timeouts); 0 for none. Default 3.</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>The first back-off; it doubles each retry, with jitter. Default 50 ms.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest one engine call may take before it counts as failed. Default 30 s.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The failure ratio over <see cref="SamplingDuration"/> that opens the breaker. Default 0.5.</summary>
    public double FailureRatio { get; init; } = 0.5;

    /// <summary>Calls needed in the sampling window before the breaker may open. Default 4.</summary>
    public int MinimumThroughput { get; init; } = 4;

    /// <summary>The window over which failures are counted. Default 10 s.</summary>
    public TimeSpan SamplingDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the breaker stays open (calls fail at once) before one call may try again. Default 5 s.</summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// The resilience pipeline around Docker engine calls, outermost first: the breaker (fails fast while the engine is
/// down), the retry (transient faults, jittered exponential back-off), and a timeout per attempt.
/// </summary>
internal static class DockerResilience
{
    public static ResiliencePipeline Create(DockerResilienceOptions options, TimeProvider? time = null)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = time ?? TimeProvider.System };
        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && IsTransient(e)),
            FailureRatio = options.FailureRatio,
            MinimumThroughput = options.MinimumThroughput,
            SamplingDuration = options.SamplingDuration,
            BreakDuration = options.BreakDuration,
        });
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && IsTransient(e)),
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.BaseDelay,
            });
        }
        return builder.AddTimeout(options.CallTimeout).Build();
    }

    /// <summary>True for faults worth retrying: the engine is busy, restarting, or the connection dropped.</summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        DockerApiException api => (int)api.StatusCode >= 500,
        TimeoutRejectedException => true,
        HttpRequestException => true,
        SocketException => true,
        IOException => true,
        SandboxException sandbox => sandbox.IsTransient,
        _ => false,
    };

    /// <summary>True when the failure means nothing answers at the endpoint (refused, no socket, breaker open).</summary>
    public static bool IsUnreachable(Exception exception) => exception switch
    {
        BrokenCircuitException => true,
        SocketException socket => socket.SocketErrorCode is SocketError.ConnectionRefused or SocketError.AddressNotAvailable
            or SocketError.HostNotFound or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.TimedOut,
        HttpRequestException http => http.InnerException is null || IsUnreachable(http.InnerException),
        TimeoutRejectedException => true,
        DockerApiException { StatusCode: HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway } => true,
        _ => exception.InnerException is { } inner && IsUnreachable(inner),
    };

    /// <summary>The message users see when the engine does not answer.</summary>
    public static string UnreachableMessage(Uri endpoint) =>
        $"Docker engine not reachable at {endpoint}; start it or use the local sandbox (--backend local)";
}
