using System.ComponentModel;
using Forge.Core;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Trajectories;

/// <summary><c>forge replay FILE [--episode ID | --index N]</c>: one recorded episode, turn by turn.</summary>
internal sealed class ReplayCommand : Command<ReplayCommand.Settings>
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
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        Run(settings, Console.Out, Console.Error);

    internal static int Run(Settings settings, TextWriter stdout, TextWriter stderr, int? width = null)
    {
        var (file, _) = TrajectoryFileLoader.Load(settings.File, stderr);
        var trajectory = Select(file.Trajectories, settings);
        ReplayRenderer.Render(trajectory, TrajectoryFileLoader.ConsoleFor(stdout, width));
        return 0;
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
