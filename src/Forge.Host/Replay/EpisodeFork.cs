using Forge.Core;
using Forge.Host.Scenarios;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Forge.Host.Replay;

/// <summary>One branch of a fork: the new episode, and where re-executing the parent's first steps differed from the recording (null when it restored them exactly).</summary>
/// <param name="Trajectory">The branch, with <see cref="Trajectory.ParentEpisodeId"/> and <see cref="Trajectory.ForkStep"/> set.</param>
/// <param name="PrefixDivergence">Where the re-executed steps differ from the parent's, when they do: the state was not restored.</param>
public sealed record ForkBranch(Trajectory Trajectory, TrajectoryDivergence? PrefixDivergence);

/// <summary>
/// Forks a recorded episode: the state after its first K steps is restored by re-executing the recorded actions on a fresh
/// environment (and sandbox: files and a stateful Python session are rebuilt by the same calls), then another agent
/// continues. Each branch is a new trajectory with the parent's id and the fork step; branches of one fork share a group id,
/// so a trainer can sample a group of rollouts from a mid-episode state and compute group-relative advantages over them.
/// </summary>
public sealed class EpisodeFork
{
    private readonly ReplaySetup _setup;
    private readonly ISandboxProvider? _sandboxes;
    private readonly RolloutOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>A fork of episodes that <paramref name="setup"/> resolved; sandboxes from <paramref name="sandboxes"/> when the environment needs one.</summary>
    /// <exception cref="ReplayException">The environment is marked <see cref="NotForkableAttribute"/>.</exception>
    public EpisodeFork(ReplaySetup setup, ISandboxProvider? sandboxes = null, RolloutOptions? options = null, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(setup);
        if (setup.NotForkable is { } reason)
            throw new ReplayException($"{setup.Environment.Id} is not forkable: {reason}");
        _setup = setup;
        _sandboxes = sandboxes;
        _options = options ?? new RolloutOptions { AgentRetries = 0 };
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Restores <paramref name="parent"/>'s state after <paramref name="forkStep"/> steps and lets <paramref name="agent"/>
    /// continue, <paramref name="samples"/> times (concurrently, up to the options' concurrency); branch i acts with its own
    /// agent seed, so a seeded agent's branches differ. Returns the branches in order.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="forkStep"/> is not a step the episode reached with the episode still going, or <paramref name="samples"/> is below 1.</exception>
    public async Task<IReadOnlyList<ForkBranch>> SampleAsync(Trajectory parent, int forkStep, IAgent agent, int samples, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parent);
        ArgumentNullException.ThrowIfNull(agent);
        var last = LastForkStep(parent);
        if (forkStep < 0 || forkStep > last)
            throw new ArgumentOutOfRangeException(nameof(forkStep), forkStep, $"Episode {parent.EpisodeId} can be forked at steps 0 to {last} (it has {parent.Steps.Count} steps{(last < parent.Steps.Count ? " and ended with the last" : "")}).");
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples), samples, "A fork needs at least one sample.");

        var pipeline = new AgentPipeline(agent, _options, _time);
        var runner = new EpisodeRunner(_sandboxes, _time, _logger, _options.RunId);
        var groupId = $"{parent.EpisodeId}/fork@{forkStep}";
        var branches = new ForkBranch[samples];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.Concurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, samples), parallel, async (i, token) =>
        {
            var request = _setup.Request(parent) with
            {
                EpisodeId = $"{groupId}:{i}",
                GroupId = groupId,
                AgentSeed = EpisodeSeeds.Derive(parent.Seed, parent.EpisodeId, "fork", forkStep, i),
                ParentEpisodeId = parent.EpisodeId,
                ForkStep = forkStep,
            };
            var prefix = new RecordedActions([.. parent.Steps.Take(forkStep).Select(s => s.Action)], agent.Id);
            var outcome = await runner.RunEpisodeAsync(request, _setup.CreateEnvironment, ownsEnvironment: true, new ChainedActions(prefix, new AgentActions(agent, pipeline)), token).ConfigureAwait(false);
            branches[i] = new ForkBranch(outcome.Trajectory, PrefixDivergence(parent, AsAnswered(outcome), forkStep));
        }).ConfigureAwait(false);
        return branches;
    }

    /// <summary>The last step an episode can be forked at: after its last step only if the environment hadn't ended it.</summary>
    public static int LastForkStep(Trajectory parent)
    {
        ArgumentNullException.ThrowIfNull(parent);
        var ended = parent.Termination is Termination.Terminated or Termination.Truncated || parent.Error is { Boundary: not ErrorBoundary.Agent };
        return ended ? Math.Max(0, parent.Steps.Count - 1) : parent.Steps.Count;
    }

    /// <summary>
    /// The branch with each step as the environment answered it: when the host truncated the episode (the new agent's context
    /// was full, a deadline passed), the truncation's reward and messages were added to the last step; they are taken off again,
    /// so that a branch truncated right at the fork step is compared with the parent on what re-execution restored.
    /// </summary>
    private static Trajectory AsAnswered(EpisodeOutcome outcome)
    {
        var t = outcome.Trajectory;
        if (outcome.TruncationResult is null || t.Steps.Count == 0 || outcome.Results.Count != t.Steps.Count) return t;
        var answer = outcome.Results[^1];
        return t with { Steps = [.. t.Steps.SkipLast(1), t.Steps[^1] with { Reward = answer.Reward, Observation = answer.Observation }] };
    }

    /// <summary>Where the branch's first <paramref name="forkStep"/> steps differ from the parent's.</summary>
    private static TrajectoryDivergence? PrefixDivergence(Trajectory parent, Trajectory branch, int forkStep)
    {
        static Trajectory Head(Trajectory t, int steps) => t with
        {
            Steps = [.. t.Steps.Take(steps)], Termination = Termination.Cancelled, TruncationReason = null, Error = null, Breakdown = null,
        };
        var divergence = TrajectoryDiff.FirstDifference(Head(parent, forkStep), Head(branch, Math.Min(forkStep, branch.Steps.Count)));
        // A branch that ended inside the prefix (its environment answered differently) shows up as an "end" difference.
        return divergence;
    }

}
