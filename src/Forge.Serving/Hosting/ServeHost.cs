using System.Net;
using System.Net.Sockets;
using Forge.Serving.Api;
using Forge.Serving.Batching;
using Forge.Serving.Episodes;
using Forge.Serving.Policy;
using Forge.Training.Devices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Forge.Serving.Hosting;

/// <summary>
/// A running <c>forge serve</c>: the OpenAI-compatible endpoints on Kestrel, listening at once while the policy loads in
/// the background (<c>/health</c> says <c>loading</c>, completions get 503 until it is ready).
/// </summary>
public sealed class ServeHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ServerState _state;

    private ServeHost(WebApplication app, ServerState state, Uri address, Task loaded)
    {
        _app = app;
        _state = state;
        Address = address;
        Loaded = loaded;
    }

    /// <summary>The server's root, e.g. <c>http://127.0.0.1:8000/</c>; the OpenAI base URL is this plus <c>v1</c>.</summary>
    public Uri Address { get; }

    /// <summary>The model id clients name.</summary>
    public string ModelName => _state.ModelName;

    /// <summary>Completes when the policy is loaded and serving; faults when loading failed.</summary>
    public Task Loaded { get; }

    /// <summary>The API key clients must send; null when the server has none.</summary>
    public string? ApiKey => _state.Options.ApiKey;

    /// <summary>The episodes open on the server (per-episode paths record their calls).</summary>
    public EpisodeRegistry Episodes => _state.Episodes;

    /// <summary>The version of the weights decoding now (null while loading).</summary>
    public long? PolicyVersion => _state.Scheduler?.Version;

    /// <summary>Decode steps run and tokens generated so far.</summary>
    public (long Steps, long Tokens) Counts => _state.Scheduler?.Counts ?? (0, 0);

    /// <summary>The OpenAI base URL of episode <paramref name="episodeId"/>: <c>http://HOST:PORT/episodes/ID/v1</c>.</summary>
    public Uri EpisodeBaseUrl(string episodeId) => new(Address, $"episodes/{episodeId}/v1");

    /// <summary>Starts listening and begins loading the policy; an address it can't bind (in use, not this machine's) throws <see cref="IOException"/> naming it.</summary>
    public static Task<ServeHost> StartAsync(ServeOptions options, CancellationToken cancellationToken = default) =>
        StartAsync(options, null, cancellationToken);

    /// <summary>As the public overload; loading waits for <paramref name="loadGate"/> first (tests hold the server in its loading state).</summary>
    internal static async Task<ServeHost> StartAsync(ServeOptions options, Task? loadGate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var name = options.ModelName ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.ModelDirectory)));
        var state = new ServerState(options, name);

        // An empty builder: no configuration files or variables (the server's settings are its options, nothing in the
        // working folder or the environment changes them), no file watcher over the working folder, no logging.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Services.AddRoutingCore();
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            kestrel.AddServerHeader = false;
            var address = options.Host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(options.Host);
            kestrel.Listen(address, options.Port);
        });
        var app = builder.Build();
        Map(app, state);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            await app.DisposeAsync();
            throw new IOException($"--host {options.Host} --port {options.Port}: can't listen there: {e.GetBaseException().Message}", e);
        }
        var bound = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var loaded = Task.Run(async () =>
        {
            if (loadGate is not null) await loadGate;
            Load(state);
        });
        return new ServeHost(app, state, new Uri(bound.TrimEnd('/') + "/"), loaded);
    }

    private static void Load(ServerState state)
    {
        try
        {
            var policy = ServedPolicy.Load(state.Options.ModelDirectory, DeviceSelector.Resolve(state.Options.Device));
            var capacity = Math.Min(policy.Model.Config.MaxSeqLen, state.Options.MaxContext ?? int.MaxValue);
            state.Ready(policy, new BatchScheduler(policy, state.Options.MaxBatch, state.Options.MaxQueue, capacity, state.Options.DecodeThreads), capacity);
        }
        catch (Exception e)
        {
            state.LoadError = e.Message;
            throw;
        }
    }

    private static void Map(WebApplication app, ServerState state)
    {
        app.Use((context, next) => ApiKeyCheck.InvokeAsync(context, () => next(context), state.Options.ApiKey));
        var completions = new ChatCompletionsEndpoint(state);
        var admin = new AdminEndpoints(state);
        app.MapGet("/health", context => Health(context, state));
        app.MapGet("/v1/models", context => Models(context, state, null));
        app.MapGet("/v1/models/{id}", context => Models(context, state, (string)context.Request.RouteValues["id"]!));
        app.MapPost("/v1/chat/completions", context => completions.HandleAsync(context, null));
        app.MapGet("/episodes/{episode}/v1/models", context => Models(context, state, null));
        app.MapPost("/episodes/{episode}/v1/chat/completions", context => completions.HandleAsync(context, (string)context.Request.RouteValues["episode"]!));
        app.MapPost("/v1/admin/load", admin.LoadAsync);
        app.MapFallback(context => ErrorResponses.WriteAsync(context,
            new ApiException(404, $"No endpoint {context.Request.Method} {context.Request.Path}; this server answers /v1/chat/completions, /v1/models and /health.", null, code: "unknown_url")));
    }

    private static Task Health(HttpContext context, ServerState state)
    {
        if (state.Scheduler is { } scheduler)
            return context.Response.WriteAsJsonAsync(new Dictionary<string, object>
            {
                ["status"] = "ready", ["model"] = state.ModelName, ["policy_version"] = scheduler.Version,
                ["running"] = scheduler.Running, ["queued"] = scheduler.Queued,
            });
        context.Response.StatusCode = state.LoadError is null ? 503 : 500;
        if (state.LoadError is null) context.Response.Headers.RetryAfter = "1";
        return context.Response.WriteAsJsonAsync(state.LoadError is null
            ? new Dictionary<string, object> { ["status"] = "loading", ["model"] = state.ModelName }
            : new Dictionary<string, object> { ["status"] = "failed", ["model"] = state.ModelName, ["error"] = state.LoadError });
    }

    private static Task Models(HttpContext context, ServerState state, string? id)
    {
        var model = new Dictionary<string, object> { ["id"] = state.ModelName, ["object"] = "model", ["created"] = state.Started.ToUnixTimeSeconds(), ["owned_by"] = "forge" };
        if (id is null)
            return context.Response.WriteAsJsonAsync(new Dictionary<string, object> { ["object"] = "list", ["data"] = new[] { model } });
        return id == state.ModelName
            ? context.Response.WriteAsJsonAsync(model)
            : ErrorResponses.WriteAsync(context, new ApiException(404, $"The model '{id}' does not exist; this server serves '{state.ModelName}'.", "model", code: "model_not_found"));
    }

    /// <summary>
    /// Serves <paramref name="weights"/> (a model of the served shape, e.g. the trainer's policy after an update) as
    /// <paramref name="version"/> from the next decode step on; returns when they are in.
    /// </summary>
    public Task<long> LoadWeightsAsync(Forge.Training.Model.CausalTransformer weights, long version)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var scheduler = _state.Scheduler ?? throw new InvalidOperationException("the model is still loading.");
        if (weights.Config != _state.Policy!.Model.Config) throw new ArgumentException("the weights' model shape differs from the served model's.", nameof(weights));
        return scheduler.ReloadAsync(weights, version);
    }

    /// <summary>Stops listening, then the decode loop, then frees the policy.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try { await Loaded; } catch (Exception) { /* reported through Loaded and /health */ }
        _state.Scheduler?.Dispose();
        _state.Policy?.Dispose();
    }
}
