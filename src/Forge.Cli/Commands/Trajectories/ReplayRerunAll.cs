using System.Globalization;
using Forge.Cli.Commands.Run;
using Forge.Host.Recording;
using Forge.Host.Registry;
using Forge.Host.Replay;
using Spectre.Console;

namespace Forge.Cli.Commands.Trajectories;

/// <summary><c>forge replay FILE --rerun-all [--env ID] [--json]</c>: every episode re-executed; exit 1 on any divergence.</summary>
internal static class ReplayRerunAll
{
    public static async Task<int> RunAsync(TrajectoryFile file, ReplayCommand.Settings settings, EnvironmentRegistry registry, IAnsiConsole console, TextWriter stdout, CancellationToken cancellationToken)
    {
        await using var sandboxes = new ReplaySandboxes(settings.Sandbox);
        var report = await LogRerun.RunAsync(file.Trajectories, registry, sandboxes, settings.Env, cancellationToken, ScenarioJudge.ForReplay());
        if (settings.Json)
        {
            stdout.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
            {
                file = file.Path,
                episodes = report.Episodes,
                reproduced = report.Reproduced,
                diverged = report.Diverged.Select(d => new
                {
                    episode_id = d.EpisodeId, environment = d.EnvironmentId, step = d.Divergence.Step, what = d.Divergence.What,
                    recorded = d.Divergence.Expected, rerun = d.Divergence.Actual, changes = d.Changes,
                }),
                not_rerunnable = report.NotRerunnable.Select(n => new { episode_id = n.EpisodeId, environment = n.EnvironmentId, why = n.Why }),
            }, Json));
        }
        else
        {
            var table = new Table().Border(TableBorder.Rounded).AddColumns("episode", "environment", "outcome");
            // In file order: reproduced, diverged or not rerunnable.
            var outcomes = report.Reproduced.Select(id => (Id: id, Text: "[green]reproduced[/]"))
                .Concat(report.Diverged.Select(d => (Id: d.EpisodeId, Text: $"[red]{E($"diverged at {d.Divergence.Where}: {d.Divergence.What}: recorded `{Clip(d.Divergence.Expected)}`, rerun `{Clip(d.Divergence.Actual)}`")}[/]")))
                .Concat(report.NotRerunnable.Select(n => (Id: n.EpisodeId, Text: $"[yellow]{E($"not rerunnable: {n.Why}")}[/]")))
                .ToLookup(o => o.Id, o => o.Text);
            foreach (var t in file.Trajectories.DistinctBy(t => t.EpisodeId))
                foreach (var text in outcomes[t.EpisodeId].Take(1))
                    table.AddRow(E(t.EpisodeId), E(t.EnvironmentId), text);
            console.Write(table);
            foreach (var change in report.Diverged.SelectMany(d => d.Changes).Distinct())
                console.MarkupLine($"[yellow]changed since recording: {E(change)}[/]");
            console.MarkupLine(E(string.Create(CultureInfo.InvariantCulture,
                $"{report.Episodes} episode(s): {report.Reproduced.Count} reproduced, {report.Diverged.Count} diverged, {report.NotRerunnable.Count} not rerunnable.")));
        }
        return report.Diverged.Count > 0 ? 1 : 0;
    }

    // Recorded text stays readable: quotes and apostrophes are not escaped as \u0022 and \u0027.
    private static readonly System.Text.Json.JsonSerializerOptions Json = new(JsonOutput.Options) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Clip(string text) => text.Length > 160 ? text[..160] + "…" : text;

    private static string E(string text) => ReplayRenderer.E(text);
}
