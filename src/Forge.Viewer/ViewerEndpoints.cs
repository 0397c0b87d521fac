using System.Diagnostics;
using System.Reflection;
using Forge.Host.Recording;
using Forge.Host.Replay;
using Forge.Viewer.Actions;
using Forge.Viewer.Catalog;
using Forge.Viewer.Episodes;
using Forge.Viewer.Training;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Forge.Viewer;

/// <summary>The viewer's routes: the page and its assets, and the JSON API the page calls.</summary>
internal static class ViewerEndpoints
{
    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8", [".js"] = "text/javascript; charset=utf-8", [".css"] = "text/css; charset=utf-8",
    };

    public static void Map(WebApplication app, RunCatalog catalog, EpisodeActions actions)
    {
        app.MapGet("/", () => Asset("index.html"));
        app.MapGet("/assets/{name}", (string name) => Asset(name));

        app.MapGet("/api/runs", () => Guard(() => Results.Ok(new
        {
            root = DisplayText.Escape(catalog.Root),
            runs = catalog.Runs().Select(r => RunView.Create(r, catalog)),
        })));

        app.MapGet("/api/episodes", (HttpRequest request) => Guard(() =>
        {
            var clock = Stopwatch.StartNew();
            var opened = catalog.Open(Required(request, "log"));
            var log = RunView.Log(opened);
            if (opened.Index is not { } index) return Results.Ok(new { log, total = 0, matched = 0, rows = Array.Empty<object>() });
            var query = EpisodeQuery.Parse(request.Query);
            var (matched, page) = query.Apply(index.Episodes);
            var episodes = index.Episodes;
            return Results.Ok(new
            {
                log,
                total = episodes.Count,
                matched,
                page = query.Page,
                size = query.Size,
                rows = page.Select(e => EpisodeView.Row(e)),
                facets = new
                {
                    environments = Distinct(episodes.Select(e => e.EnvironmentId)),
                    agents = Distinct(episodes.Select(e => e.AgentId)),
                    policies = episodes.Where(e => e.PolicyVersion is not null).Select(e => e.PolicyVersion!.Value).Distinct().Order(),
                    terminations = episodes.Select(e => e.Termination).Distinct().Order(),
                    boundaries = episodes.Where(e => e.ErrorBoundary is not null).Select(e => e.ErrorBoundary!.Value).Distinct().Order(),
                },
                milliseconds = clock.Elapsed.TotalMilliseconds,
            });
        }));

        app.MapGet("/api/episode", (HttpRequest request) => Guard(() =>
        {
            var (view, trajectory) = Load(catalog, Required(request, "log"), Ordinal(request, "n"));
            var parent = trajectory.ParentEpisodeId is { } id ? catalog.Find(id) : null;
            return Results.Ok(new { episode = view, parent = parent is null ? null : new { log = parent.Value.Log, n = parent.Value.Ordinal } });
        }));

        app.MapGet("/api/compare", (HttpRequest request) => Guard(() =>
        {
            var (left, leftTrajectory) = Load(catalog, Required(request, "a"), Ordinal(request, "an"));
            var (right, rightTrajectory) = Load(catalog, Required(request, "b"), Ordinal(request, "bn"));
            return Results.Ok(new { left, right, divergence = DivergenceView.From(TrajectoryDiff.FirstDifference(leftTrajectory, rightTrajectory)) });
        }));

        app.MapPost("/api/rerun", (HttpRequest request, CancellationToken cancellationToken) => GuardAsync(async () =>
        {
            var log = Required(request, "log");
            var (_, recorded) = Load(catalog, log, Ordinal(request, "n"));
            return Results.Ok(await actions.RerunAsync(log, catalog.Open(log).Log.Path, recorded, cancellationToken).ConfigureAwait(false));
        }));

        app.MapPost("/api/fork", (HttpRequest request, CancellationToken cancellationToken) => GuardAsync(async () =>
        {
            var log = Required(request, "log");
            var (_, parent) = Load(catalog, log, Ordinal(request, "n"));
            var samples = request.Query.ContainsKey("samples") ? Number(request, "samples") : 1;
            return Results.Ok(await actions.ForkAsync(log, catalog.Open(log).Log.Path, parent, Number(request, "step"), Required(request, "agent"), samples,
                cancellationToken).ConfigureAwait(false));
        }));

        app.MapGet("/api/training", (HttpRequest request) => Guard(() =>
        {
            var id = Required(request, "run");
            var run = catalog.Runs().FirstOrDefault(r => r.Id == id) ?? throw new KeyNotFoundException($"There is no run `{id}` under {catalog.Root}.");
            return Results.Ok(TrainingRunView.Load(run.Id, run.MetricsPath, run.CheckpointsPath));
        }));
    }

    private static (EpisodeView View, Forge.Core.Trajectory Trajectory) Load(RunCatalog catalog, string logId, int ordinal)
    {
        var opened = catalog.Open(logId);
        var index = opened.Index ?? throw new InvalidDataException(opened.Error);
        if (ordinal >= index.Episodes.Count)
            throw new KeyNotFoundException($"{logId} has {index.Episodes.Count} readable episodes; there is no episode {ordinal}.");
        var summary = index.Episodes[ordinal];
        var trajectory = index.Read(summary);
        return (EpisodeView.Create(logId, summary, trajectory), trajectory);
    }

    private static IEnumerable<string> Distinct(IEnumerable<string> values) =>
        values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(v => DisplayText.Escape(v));

    private static string Required(HttpRequest request, string name) =>
        request.Query.TryGetValue(name, out var v) && !string.IsNullOrEmpty(v) ? v.ToString() : throw new ArgumentException($"`{name}` is required.");

    private static int Ordinal(HttpRequest request, string name) =>
        int.TryParse(Required(request, name), out var n) && n >= 0 ? n : throw new ArgumentException($"`{name}` must be an episode number (0 or more).");

    private static int Number(HttpRequest request, string name) =>
        int.TryParse(Required(request, name), out var n) ? n : throw new ArgumentException($"`{name}` must be a whole number.");

    private static IResult Guard(Func<IResult> handler)
    {
        try { return handler(); }
        catch (Exception e) when (Status(e) is { } status) { return Results.Json(new { error = DisplayText.Escape(e.Message) }, statusCode: status); }
    }

    private static async Task<IResult> GuardAsync(Func<Task<IResult>> handler)
    {
        try { return await handler().ConfigureAwait(false); }
        catch (Exception e) when (Status(e) is { } status) { return Results.Json(new { error = DisplayText.Escape(e.Message) }, statusCode: status); }
    }

    private static int? Status(Exception e) => e switch
    {
        KeyNotFoundException or FileNotFoundException => StatusCodes.Status404NotFound,
        ArgumentException => StatusCodes.Status400BadRequest,
        InvalidDataException or NotSupportedException or Forge.Host.Replay.ReplayException => StatusCodes.Status422UnprocessableEntity,
        _ => null,
    };

    private static IResult Asset(string name)
    {
        var extension = Path.GetExtension(name);
        if (!ContentTypes.TryGetValue(extension, out var type)) return Results.NotFound();
        var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"Forge.Viewer.Assets.{name}");
        return stream is null ? Results.NotFound() : Results.Stream(stream, type);
    }
}
