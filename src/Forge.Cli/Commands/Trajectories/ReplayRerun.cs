using Forge.Core;
using Forge.Host.Replay;
using Spectre.Console;

namespace Forge.Cli.Commands.Trajectories;

/// <summary><c>forge replay --rerun</c>: re-executes one episode and prints what changed since it was recorded, then the first divergence.</summary>
internal static class ReplayRerun
{
    public static async Task<int> RunAsync(Trajectory trajectory, ReplaySetup setup, ReplaySandboxes sandboxes, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var report = await EpisodeRerun.RunAsync(trajectory, setup, sandboxes.For(setup), cancellationToken: cancellationToken);
        foreach (var change in report.Changes) console.MarkupLine($"[yellow]changed since recording: {E(change)}[/]");
        var sandbox = report.Rerun.Provenance?.Sandbox is { } s ? $" in a {s.Backend} sandbox" : "";
        console.MarkupLine(E($"Re-ran {report.EpisodeId} against {setup.Environment.Id} v{setup.Environment.Version}{sandbox}: {report.StepsReplayed} step(s) matched the recording."));
        foreach (var note in report.Notes) console.MarkupLine($"[grey]note: {E(note)}[/]");
        if (report.Divergence is not { } d)
        {
            console.MarkupLine("[green]No divergence: every observation and reward matched.[/]");
            return 0;
        }
        console.MarkupLine($"[red]First divergence at {E(d.Step is { } step ? $"step {step}" : "the opening observation (reset)")}: {E(d.What)}[/]");
        console.MarkupLine($"  recorded: {E(d.Expected)}");
        console.MarkupLine($"  rerun:    {E(d.Actual)}");
        return 1;
    }

    private static string E(string text) => ReplayRenderer.E(text);
}
