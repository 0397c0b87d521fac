using Forge.Core;
using Forge.Host;
using Forge.Host.Recording;
using Forge.Host.Registry;
using Forge.Host.Replay;

namespace Forge.Viewer.Actions;

/// <summary>Where a new episode was recorded: the log (as the catalog names it) and its number there.</summary>
internal sealed record RecordedEpisode(string Log, int Ordinal, string EpisodeId);

/// <summary>A rerun as the episode page shows it: whether the environment reproduced the episode, and where the rerun was recorded.</summary>
internal sealed record RerunView(string EpisodeId, string Environment, int StepsReplayed, bool Reproduced, DivergenceView? Divergence,
    IReadOnlyList<string> Changes, IReadOnlyList<string> Notes, RecordedEpisode Recorded);

/// <summary>A fork as the episode page shows it: each branch where it was recorded, and whether re-executing the first steps restored the parent's state.</summary>
internal sealed record ForkView(string ParentEpisodeId, int ForkStep, string Agent, IReadOnlyList<ForkBranchView> Branches, IReadOnlyList<string> Changes);

/// <summary>One branch of a fork.</summary>
internal sealed record ForkBranchView(RecordedEpisode Recorded, double TotalReward, int Steps, string Termination, DivergenceView? PrefixDivergence);

/// <summary>Makes the agent a fork continues with from its spec (<c>scripted</c>, <c>noisy:0.3</c>, …) for an environment and a seed.</summary>
public delegate IAgent ForkAgentFactory(string spec, RegisteredEnvironment environment, int seed);

/// <summary>
/// What the episode page can do with an episode besides showing it, through the host's replay: rerun it (the recorded actions
/// re-executed against the environment as it is now, sandbox rebuilt) and fork it (its state after K steps restored, then another
/// agent continues). Results are recorded next to the episode's log, in <c>reruns/</c> and <c>forks/</c>, and open as new episodes.
/// One action at a time.
/// </summary>
internal sealed class EpisodeActions(string? registryPath, ForkAgentFactory? forkAgents) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ReplaySandboxes _sandboxes = new();
    private EnvironmentRegistry? _registry;

    private EnvironmentRegistry Registry => _registry ??= EnvironmentRegistry.Load(registryPath ?? EnvironmentRegistry.DefaultPath);

    /// <summary>Reruns <paramref name="recorded"/> from log <paramref name="log"/>; problems that stop it are <see cref="ReplayException"/>s saying why.</summary>
    public async Task<RerunView> RerunAsync(string log, string logPath, Trajectory recorded, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var setup = ReplaySetup.Resolve(recorded, Registry);
            var report = await EpisodeRerun.RunAsync(recorded, setup, _sandboxes.For(setup), cancellationToken: cancellationToken).ConfigureAwait(false);
            var (path, first) = await RecordAsync(logPath, "reruns", [report.Rerun]).ConfigureAwait(false);
            return new RerunView(E(report.EpisodeId), $"{E(setup.Environment.Id)} v{E(setup.Environment.Version)}", report.StepsReplayed,
                report.Divergence is null, DivergenceView.From(report.Divergence), [.. report.Changes.Select(E)], [.. report.Notes.Select(E)],
                new RecordedEpisode(Sibling(log, "reruns"), first, E(report.Rerun.EpisodeId)));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Forks <paramref name="parent"/> at <paramref name="forkStep"/>, <paramref name="samples"/> branches continued by the agent <paramref name="agentSpec"/> names.</summary>
    public async Task<ForkView> ForkAsync(string log, string logPath, Trajectory parent, int forkStep, string agentSpec, int samples, CancellationToken cancellationToken)
    {
        if (forkAgents is null) throw new NotSupportedException("This viewer was started without agents to fork with; run it through `forge view`.");
        if (samples is < 1 or > 16) throw new ArgumentException($"`samples` must be between 1 and 16 (got {samples}).");
        var last = EpisodeFork.LastForkStep(parent);
        if (forkStep < 0 || forkStep > last)
            throw new ArgumentException($"`step`: episode {parent.EpisodeId} can be forked at steps 0 to {last} (got {forkStep}).");
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var setup = ReplaySetup.Resolve(parent, Registry);
            var agent = forkAgents(agentSpec, setup.Environment, parent.Seed);
            var fork = new EpisodeFork(setup, _sandboxes.For(setup), new RolloutOptions
            {
                AgentRetries = 0, Concurrency = Math.Min(samples, 4), RunId = $"fork-{Guid.NewGuid():n}",
            });
            var branches = await fork.SampleAsync(parent, forkStep, agent, samples, cancellationToken).ConfigureAwait(false);
            var (_, first) = await RecordAsync(logPath, "forks", [.. branches.Select(b => b.Trajectory)]).ConfigureAwait(false);
            var forks = Sibling(log, "forks");
            return new ForkView(E(parent.EpisodeId), forkStep, E(agent.Id), [.. branches.Select((b, i) => new ForkBranchView(
                    new RecordedEpisode(forks, first + i, E(b.Trajectory.EpisodeId)), b.Trajectory.TotalReward, b.Trajectory.Steps.Count,
                    b.Trajectory.Termination.ToString().ToLowerInvariant(), DivergenceView.From(b.PrefixDivergence)))],
                [.. setup.Changes.Select(E)]);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Removes the sandboxes reruns and forks made.</summary>
    public async ValueTask DisposeAsync() => await _sandboxes.DisposeAsync().ConfigureAwait(false);

    // Appends to <log folder>/<folder>/trajectories.forge; returns its path and the ordinal of the first new record.
    private static async Task<(string Path, int First)> RecordAsync(string logPath, string folder, IReadOnlyList<Trajectory> trajectories)
    {
        var directory = Path.Combine(Path.GetDirectoryName(logPath)!, folder);
        var path = Path.Combine(directory, TrajectoryRecorder.DefaultFileName);
        var first = File.Exists(path) ? TrajectoryReader.Read(path).Trajectories.Count : 0;
        await using var recorder = new TrajectoryRecorder(directory);
        foreach (var t in trajectories) await recorder.OnTrajectoryAsync(t, CancellationToken.None).ConfigureAwait(false);
        await recorder.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
        return (path, first);
    }

    // The catalog id of <folder>/trajectories.forge next to log `log` ("quickstart/trajectories.forge" → "quickstart/forks/trajectories.forge").
    private static string Sibling(string log, string folder)
    {
        var slash = log.LastIndexOf('/');
        return (slash < 0 ? "" : log[..(slash + 1)]) + folder + "/" + TrajectoryRecorder.DefaultFileName;
    }

    private static string E(string text) => DisplayText.Escape(text);
}

/// <summary>A divergence for a page: where, what, and both sides in words, escaped.</summary>
internal sealed record DivergenceView(int? Step, string What, string Left, string Right)
{
    public static DivergenceView? From(TrajectoryDivergence? d) =>
        d is null ? null : new(d.Step, DisplayText.Escape(d.What), DisplayText.Escape(d.Expected), DisplayText.Escape(d.Actual));
}
