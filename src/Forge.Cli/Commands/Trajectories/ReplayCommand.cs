using System.ComponentModel;
using Forge.Core;
using Forge.Host.Recording;
using Forge.Host.Registry;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Trajectories;

/// <summary>
/// <c>forge replay FILE [--episode ID | --index N] [--rerun]</c>: one recorded episode, turn by turn; with <c>--rerun</c>, the
/// recorded assistant messages are sent again to a fresh instance of the environment and the first divergence is reported.
/// </summary>
internal sealed class ReplayCommand : AsyncCommand<ReplayCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<FILE>")]
        [Description("A trajectory file (trajectories.forge).")]
        public string File { get; init; } = "";

        [CommandOption("--episode <ID>")]
        [Description("The episode to show (default: the first in the file).")]
        public string? Episode { get; init; }

        [CommandOption("--index <N>")]
        [Description("The episode at this 0-based position in the file.")]
        public int? Index { get; init; }

        [CommandOption("--rerun")]
        [Description("Re-execute the recorded assistant messages against the environment and report the first step that diverges (exit 1 if one does).")]
        public bool Rerun { get; init; }

        [CommandOption("--registry <PATH>")]
        [Description("With --rerun: the environments.json to load (default: ./environments.json, else the one beside forge).")]
        public string? Registry { get; init; }

        [CommandOption("--task-seed <N>")]
        [Description("With --rerun: the scenario seed that generated the tasks (generated tasks only; default 0).")]
        public int TaskSeed { get; init; }
    }

    public override Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        RunAsync(settings, Console.Out, Console.Error, cancellationToken: cancellationToken);

    internal static async Task<int> RunAsync(Settings settings, TextWriter stdout, TextWriter stderr, int? width = null, CancellationToken cancellationToken = default)
    {
        var (file, _) = TrajectoryFileLoader.Load(settings.File, stderr);
        var trajectory = Select(file.Trajectories, settings);
        var console = TrajectoryFileLoader.ConsoleFor(stdout, width);
        if (!settings.Rerun)
        {
            ReplayRenderer.Render(trajectory, console);
            return 0;
        }

        var registry = EnvironmentRegistry.Load(settings.Registry ?? EnvironmentRegistry.DefaultPath);
        var environment = registry.Get(trajectory.EnvironmentId);
        if (environment.RequiresSandbox)
            throw new ArgumentException($"{environment.Id} runs in a sandbox; --rerun does not provide one yet.");
        var task = environment.FindTask(trajectory.TaskId, settings.TaskSeed)
            ?? throw new KeyNotFoundException($"Task `{trajectory.TaskId}` is not among {environment.Id}'s tasks (task seed {settings.TaskSeed}); "
                + "for generated tasks pass the scenario's seed with --task-seed.");
        var report = await TrajectoryRerunner.RerunAsync(trajectory, environment.Create(), task, environment.Limits, environment.RewardMode, cancellationToken: cancellationToken);
        RenderRerun(report, environment, console);
        return report.Divergence is null ? 0 : 1;
    }

    private static void RenderRerun(RerunReport report, RegisteredEnvironment environment, IAnsiConsole console)
    {
        console.MarkupLine(Markup.Escape($"Re-ran {report.EpisodeId} against {environment.Id} v{environment.Version}: {report.StepsReplayed} step(s) matched the recording."));
        foreach (var note in report.Notes) console.MarkupLine($"[grey]note: {Markup.Escape(note)}[/]");
        if (report.Divergence is not { } d)
        {
            console.MarkupLine("[green]No divergence: every observation and reward matched.[/]");
            return;
        }
        var where = d.Step is { } step ? $"step {step}" : "the opening observation (reset)";
        console.MarkupLine($"[red]First divergence at {Markup.Escape(where)}: {Markup.Escape(d.What)}[/]");
        console.MarkupLine($"  recorded: {Markup.Escape(d.Recorded)}");
        console.MarkupLine($"  rerun:    {Markup.Escape(d.Rerun)}");
    }

    internal static Trajectory Select(IReadOnlyList<Trajectory> trajectories, Settings settings)
    {
        if (settings.Episode is not null && settings.Index is not null)
            throw new ArgumentException("Give either --episode or --index, not both.");
        if (trajectories.Count == 0)
            throw new InvalidDataException($"{settings.File} holds no complete trajectory to replay.");
        if (settings.Index is { } index)
        {
            return index >= 0 && index < trajectories.Count
                ? trajectories[index]
                : throw new ArgumentException($"{settings.File} has {trajectories.Count} episodes; --index must be between 0 and {trajectories.Count - 1} (got {index}).");
        }
        if (settings.Episode is not { } id) return trajectories[0];

        var match = trajectories.FirstOrDefault(t => t.EpisodeId == id);
        if (match is not null) return match;
        var ids = trajectories.Select(t => t.EpisodeId).Distinct().ToList();
        var closest = Names.Closest(id, ids);
        var hint = closest is not null
            ? $" Did you mean `{closest}`?"
            : $" Episodes: {string.Join(", ", ids.Take(10))}{(ids.Count > 10 ? $" … ({ids.Count} in all; see `forge export {settings.File} --jsonl`)" : "")}.";
        throw new KeyNotFoundException($"Episode `{id}` is not in {settings.File}.{hint}");
    }
}
