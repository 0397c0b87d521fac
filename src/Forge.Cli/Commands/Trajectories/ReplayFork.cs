using System.Globalization;
using Forge.Core;
using Forge.Host;
using Forge.Host.Recording;
using Forge.Host.Replay;
using Spectre.Console;

namespace Forge.Cli.Commands.Trajectories;

/// <summary><c>forge replay --fork-at K --agent SPEC</c>: samples branches from the state after K steps, records them and lists them.</summary>
internal static class ReplayFork
{
    public static async Task<int> RunAsync(Trajectory parent, ReplaySetup setup, ReplaySandboxes sandboxes, ReplayCommand.Settings settings, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var forkStep = settings.ForkAt!.Value;
        var last = EpisodeFork.LastForkStep(parent);
        if (forkStep > last)
            throw new ArgumentException($"--fork-at {forkStep}: episode {parent.EpisodeId} has {parent.Steps.Count} steps{(last < parent.Steps.Count ? " and ended with the last" : "")}; fork it at 0 to {last}.");
        var agent = ForkAgents.Create(settings.Agent!, setup.Environment, parent.Seed);
        var output = Path.GetFullPath(settings.Out ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(settings.File)) ?? ".", "forks"));
        foreach (var change in setup.Changes) console.MarkupLine($"[yellow]changed since recording: {E(change)}[/]");

        var fork = new EpisodeFork(setup, sandboxes.For(setup), new RolloutOptions
        {
            AgentRetries = 0,
            Concurrency = Math.Min(settings.Samples, 8),
            RunId = $"fork-{Guid.NewGuid():n}",
        });
        var branches = await fork.SampleAsync(parent, forkStep, agent, settings.Samples, cancellationToken);
        string path;
        await using (var recorder = new TrajectoryRecorder(output))
        {
            foreach (var branch in branches) await recorder.OnTrajectoryAsync(branch.Trajectory, CancellationToken.None);
            await recorder.CompleteAsync(CancellationToken.None);
            path = recorder.Path;
        }

        console.MarkupLine(E($"Forked {parent.EpisodeId} at step {forkStep} ({setup.Environment.Id}): {branches.Count} branch(es) with {agent.Id}, recorded in {path}"));
        var table = new Table().Border(TableBorder.Rounded).AddColumns("branch", "steps", "reward", "termination", "first K steps");
        foreach (var (t, divergence) in branches)
            table.AddRow(E(t.EpisodeId), t.Steps.Count.ToString(CultureInfo.InvariantCulture), InspectCommand.Num(t.TotalReward),
                E(Names.Snake(t.Termination) + (t.TruncationReason is { } r ? $" ({r})" : "") + (t.Error is { } e ? $" ({e.Type})" : "")),
                divergence is null ? "[green]restored[/]" : $"[red]{E($"diverged at {divergence.Where}: {divergence.What}")}[/]");
        console.Write(table);
        var broken = branches.Count(b => b.PrefixDivergence is not null);
        if (broken == 0) return 0;
        console.MarkupLine($"[red]{broken} branch(es) did not restore the parent's state: re-executing its first {forkStep} step(s) gave something else; {E(setup.Environment.Id)} may not be forkable (forge envs check says).[/]");
        return 1;
    }

    private static string E(string text) => ReplayRenderer.E(text);
}
