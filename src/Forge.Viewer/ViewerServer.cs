using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Forge.Viewer.Actions;
using Forge.Viewer.Catalog;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Forge.Viewer;

/// <summary>
/// The <c>forge view</c> web app: a JSON API over the runs and logs under one path and a single page (embedded in this
/// assembly) that shows them. Listens on 127.0.0.1 only and answers only requests addressed to it there.
/// </summary>
public sealed class ViewerServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RunCatalog _catalog;
    private readonly EpisodeActions _actions;

    /// <summary>Where the viewer answers, e.g. <c>http://127.0.0.1:5170/</c>.</summary>
    public Uri Url { get; }

    private ViewerServer(WebApplication app, RunCatalog catalog, EpisodeActions actions, Uri url)
    {
        _app = app;
        _catalog = catalog;
        _actions = actions;
        Url = url;
    }

    /// <summary>Starts the viewer over <see cref="ViewerOptions.Path"/>; a path that does not exist is a <see cref="FileNotFoundException"/>.</summary>
    public static async Task<ViewerServer> StartAsync(ViewerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Port is < 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(options), $"Port {options.Port} is not between 0 and 65535.");
        var catalog = new RunCatalog(options.Path);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(ViewerServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, options.Port));
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
            json.SerializerOptions.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals;
        });
        var app = builder.Build();
        app.Use(LoopbackOnly);
        var actions = new EpisodeActions(options.RegistryPath, options.ForkAgents);
        ViewerEndpoints.Map(app, catalog, actions);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            catalog.Dispose();
            await actions.DisposeAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ViewerServer(app, catalog, actions, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/"));
    }

    /// <summary>Completes when the viewer stops (Ctrl+C through <paramref name="cancellationToken"/>).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken) => _app.WaitForShutdownAsync(cancellationToken);

    /// <summary>Stops the viewer and closes the logs.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        await _actions.DisposeAsync().ConfigureAwait(false);
        _catalog.Dispose();
    }

    // A page on another site cannot reach the viewer through a name that resolves to 127.0.0.1 (DNS rebinding), nor make it act:
    // requests must name 127.0.0.1 or localhost, and actions (POST) must carry a header a cross-site form cannot set.
    private static Task LoopbackOnly(HttpContext context, RequestDelegate next)
    {
        var host = context.Request.Host.Host;
        if (host is not ("127.0.0.1" or "localhost"))
        {
            context.Response.StatusCode = StatusCodes.Status421MisdirectedRequest;
            return context.Response.WriteAsync($"forge view answers requests to 127.0.0.1 only, not to {host}.");
        }
        if (HttpMethods.IsPost(context.Request.Method) && context.Request.Headers["X-Forge-Viewer"] != "1")
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return context.Response.WriteAsync("forge view actions must come from its own page (X-Forge-Viewer header missing).");
        }
        return next(context);
    }
}
