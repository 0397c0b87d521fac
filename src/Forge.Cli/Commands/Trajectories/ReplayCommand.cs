using System.ComponentModel;
using Forge.Cli.Commands.Run;
using Forge.Core;
using Forge.Host.Recording;
using Forge.Host.Registry;
using Forge.Host.Replay;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Trajectories;

/// <summary>
/// <c>forge replay FILE</c>: one recorded episode, turn by turn. <c>--rerun</c> re-executes it against today's code and
/// reports the first divergence; <c>--fork-at K --agent SPEC</c> restores its state after K steps and lets another agent
/// continue; <c>--rerun-all</c> re-executes every episode of the log (the regression test of an environment).
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
        [Description("Re-execute the recorded actions against today's environment (as its provenance says: task, limits, reward mode, sandbox) and report the first step that diverges (exit 1 if one does).")]
        public bool Rerun { get; init; }

        [CommandOption("--rerun-all")]
        [Description("Re-execute every episode of the log and print reproduced / diverged / not rerunnable (exit 1 on any divergence).")]
        public bool RerunAll { get; init; }

        [CommandOption("--env <ID>")]
        [Description("With --rerun-all: only this environment's episodes.")]
        public string? Env { get; init; }

        [CommandOption("--json")]
        [Description("With --rerun-all: print one JSON object (episodes, reproduced, diverged, not_rerunnable).")]
        public bool Json { get; init; }

        [CommandOption("--fork-at <K>")]
        [Description("Restore the episode's state after its first K steps (re-executing them) and let --agent continue; each branch is recorded with its parent.")]
        public int? ForkAt { get; init; }

        [CommandOption("--agent <SPEC>")]
        [Description("With --fork-at: scripted, noisy[[:RATE]], policy:CHECKPOINT_DIR, or semantic-kernel:MODEL@URL (key from OPENAI_API_KEY).")]
        public string? Agent { get; init; }

        [CommandOption("--samples <N>")]
        [Description("With --fork-at: how many branches (default 4).")]
        public int Samples { get; init; } = 4;

        [CommandOption("--out <DIR>")]
        [Description("With --fork-at: where the branches are recorded (default: forks/ beside FILE).")]
        public string? Out { get; init; }

        [CommandOption("--sandbox <BACKEND>")]
        [Description("Rebuild sandboxes on this backend (local or docker) instead of the recorded one.")]
        public string? Sandbox { get; init; }

        [CommandOption("--registry <PATH>")]
        [Description("The environments.json to load (default: ./environments.json, else the one beside forge).")]
        public string? Registry { get; init; }

        [CommandOption("--task-seed <N>")]
        [Description("The scenario seed that generated the tasks, for episodes recorded before provenance was kept (newer ones record it).")]
        public int? TaskSeed { get; init; }

        public override ValidationResult Validate()
        {
            var modes = (Rerun ? 1 : 0) + (RerunAll ? 1 : 0) + (ForkAt is null ? 0 : 1);
            if (modes > 1) return ValidationResult.Error("give one of --rerun, --rerun-all and --fork-at");
            if (RerunAll && (Episode is not null || Index is not null)) return ValidationResult.Error("--rerun-all re-executes every episode; drop --episode/--index (filter with --env)");
            if (!RerunAll && (Env is not null || Json)) return ValidationResult.Error("--env and --json go with --rerun-all");
            if (ForkAt is null && (Agent is not null || Out is not null)) return ValidationResult.Error("--agent and --out go with --fork-at");
            if (ForkAt is not null && string.IsNullOrWhiteSpace(Agent)) return ValidationResult.Error("--fork-at needs --agent SPEC (scripted, noisy[[:RATE]], policy:CHECKPOINT_DIR, semantic-kernel:MODEL@URL)");
            if (ForkAt is < 0) return ValidationResult.Error($"--fork-at must be 0 or more (got {ForkAt})");
            if (Samples is < 1 or > 10_000) return ValidationResult.Error($"--samples must be between 1 and 10000 (got {Samples})");
            if (Sandbox is not null && !SandboxOptions.Backends.Contains(Sandbox)) return ValidationResult.Error($"--sandbox must be {string.Join(" or ", SandboxOptions.Backends)} (got '{Sandbox}')");
            return ValidationResult.Success();
        }
    }

    public override Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        RunAsync(settings, Console.Out, Console.Error, cancellationToken: cancellationToken);

    internal static async Task<int> RunAsync(Settings settings, TextWriter stdout, TextWriter stderr, int? width = null, CancellationToken cancellationToken = default)
    {
        if (settings.Validate() is { Successful: false } invalid) throw new ArgumentException(invalid.Message);
        var (file, _) = TrajectoryFileLoader.Load(settings.File, stderr);
        var console = TrajectoryFileLoader.ConsoleFor(stdout, width);
        if (settings.RerunAll)
            return await ReplayRerunAll.RunAsync(file, settings, Registry(settings), console, stdout, cancellationToken);

        var trajectory = Select(file.Trajectories, settings);
        if (!settings.Rerun && settings.ForkAt is null)
        {
            ReplayRenderer.Render(trajectory, console);
            return 0;
        }
        var registry = Registry(settings);
        try
        {
            var setup = ReplaySetup.Resolve(trajectory, registry, settings.TaskSeed, ScenarioJudge.ForReplay());
            await using var sandboxes = new ReplaySandboxes(settings.Sandbox);
            return settings.Rerun
                ? await ReplayRerun.RunAsync(trajectory, setup, sandboxes, console, cancellationToken)
                : await ReplayFork.RunAsync(trajectory, setup, sandboxes, settings, console, cancellationToken);
        }
        catch (ReplayException e)
        {
            stderr.WriteLine($"forge: episode {trajectory.EpisodeId} can't be re-executed: {e.Message}");
            return CliErrors.BadInput;
        }
    }

    private static EnvironmentRegistry Registry(Settings settings) => EnvironmentRegistry.Load(settings.Registry ?? EnvironmentRegistry.DefaultPath);

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
