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
        var report = await LogRerun.RunAsync(file.Trajectories, registry, sandboxes, settings.Env, cancellationToken);
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
            }, JsonOutput.Options));
        }
        else
        {
            var table = new Table().Border(TableBorder.Rounded).AddColumns("episode", "environment", "outcome");
            var byId = file.Trajectories.GroupBy(t => t.EpisodeId).ToDictionary(g => g.Key, g => g.First().EnvironmentId);
            foreach (var id in report.Reproduced) table.AddRow(E(id), E(byId[id]), "[green]reproduced[/]");
            foreach (var d in report.Diverged)
                table.AddRow(E(d.EpisodeId), E(d.EnvironmentId), $"[red]{E($"diverged at {d.Divergence.Where}: {d.Divergence.What}: recorded `{Clip(d.Divergence.Expected)}`, rerun `{Clip(d.Divergence.Actual)}`")}[/]");
            foreach (var n in report.NotRerunnable) table.AddRow(E(n.EpisodeId), E(n.EnvironmentId), $"[yellow]{E($"not rerunnable: {n.Why}")}[/]");
            console.Write(table);
            foreach (var change in report.Diverged.SelectMany(d => d.Changes).Distinct())
                console.MarkupLine($"[yellow]changed since recording: {E(change)}[/]");
            console.MarkupLine(E(string.Create(CultureInfo.InvariantCulture,
                $"{report.Episodes} episode(s): {report.Reproduced.Count} reproduced, {report.Diverged.Count} diverged, {report.NotRerunnable.Count} not rerunnable.")));
        }
        return report.Diverged.Count > 0 ? 1 : 0;
    }

    private static string Clip(string text) => text.Length > 160 ? text[..160] + "…" : text;

    private static string E(string text) => ReplayRenderer.E(text);
}
