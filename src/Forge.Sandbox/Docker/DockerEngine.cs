using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using Forge.Core;
using Polly;

namespace Forge.Sandbox.Docker;

/// <summary>
/// The Docker engine as Forge uses it: a client for <see cref="Endpoint"/> (<c>DOCKER_HOST</c>, else the local unix
/// socket) whose idempotent calls go through the resilience pipeline, with faults turned into <see cref="SandboxException"/>.
/// </summary>
internal sealed class DockerEngine : IDisposable
{
    private readonly DockerClientConfiguration _configuration;
    private readonly ResiliencePipeline _pipeline;

    public DockerEngine(Uri endpoint, DockerResilienceOptions resilience, TimeProvider? time = null)
    {
        Endpoint = endpoint;
        _configuration = new DockerClientConfiguration(endpoint, defaultTimeout: Timeout.InfiniteTimeSpan);
        Client = _configuration.CreateClient();
        _pipeline = DockerResilience.Create(resilience, time);
    }

    /// <summary>The engine's address.</summary>
    public Uri Endpoint { get; }

    /// <summary>The raw client, for streaming calls that must not be retried (attaching to a container: a second attachment would be a second reader).</summary>
    public IDockerClient Client { get; }

    /// <summary><c>DOCKER_HOST</c> when set, else <c>unix:///var/run/docker.sock</c>.</summary>
    public static Uri DefaultEndpoint()
    {
        var host = System.Environment.GetEnvironmentVariable("DOCKER_HOST");
        return string.IsNullOrWhiteSpace(host) ? new Uri("unix:///var/run/docker.sock") : new Uri(host);
    }

    /// <summary>Runs an idempotent engine call through the pipeline; failures become <see cref="SandboxException"/>.</summary>
    public async Task<T> CallAsync<T>(string what, Func<IDockerClient, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await _pipeline.ExecuteAsync(async ct => await call(Client, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw Translate(what, e);
        }
    }

    /// <summary>Runs an idempotent engine call without a result.</summary>
    public Task CallAsync(string what, Func<IDockerClient, CancellationToken, Task> call, CancellationToken cancellationToken) =>
        CallAsync(what, async (client, ct) => { await call(client, ct).ConfigureAwait(false); return true; }, cancellationToken);

    /// <summary>Turns an engine failure into the sandbox's infrastructure fault, naming what was being done.</summary>
    public SandboxException Translate(string what, Exception exception) => exception switch
    {
        SandboxException sandbox => sandbox,
        _ when DockerResilience.IsUnreachable(exception) =>
            new SandboxException(DockerResilience.UnreachableMessage(Endpoint), exception) { IsTransient = true },
        DockerApiException api => new SandboxException($"Docker engine: {what} failed ({(int)api.StatusCode}): {ApiMessage(api)}", exception)
        {
            IsTransient = (int)api.StatusCode >= 500,
        },
        _ => new SandboxException($"Docker engine: {what} failed: {exception.Message}", exception) { IsTransient = DockerResilience.IsTransient(exception) },
    };

    /// <summary>True when the engine says the container or exec does not exist.</summary>
    public static bool IsNotFound(Exception exception) =>
        exception is DockerApiException { StatusCode: HttpStatusCode.NotFound } || exception.InnerException is { } inner && IsNotFound(inner);

    private static string ApiMessage(DockerApiException api)
    {
        var body = api.ResponseBody?.Trim() ?? "";
        const string prefix = "{\"message\":\"";
        return body.StartsWith(prefix, StringComparison.Ordinal) && body.EndsWith("\"}", StringComparison.Ordinal)
            ? body[prefix.Length..^2]
            : body;
    }

    /// <summary>Checks that the engine answers; throws the "not reachable" <see cref="SandboxException"/> when it doesn't.</summary>
    public Task<VersionResponse> VersionAsync(CancellationToken cancellationToken) =>
        CallAsync("version", (c, ct) => c.System.GetVersionAsync(ct), cancellationToken);

    public void Dispose()
    {
        Client.Dispose();
        _configuration.Dispose();
    }
}
