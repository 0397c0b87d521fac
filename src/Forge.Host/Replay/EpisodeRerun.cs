using Forge.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Forge.Host.Replay;

/// <summary>The outcome of re-executing one recorded episode.</summary>
/// <param name="EpisodeId">The episode.</param>
/// <param name="StepsReplayed">Steps that matched their recording.</param>
/// <param name="Divergence">The first difference; null when the environment reproduced the recording.</param>
/// <param name="Changes">What provenance says changed since the recording (environment, task); shown before the divergence.</param>
/// <param name="Notes">Things worth knowing that are not divergences (an error reproduced, a recording that ended early).</param>
/// <param name="Rerun">The re-executed episode.</param>
public sealed record RerunReport(string EpisodeId, int StepsReplayed, TrajectoryDivergence? Divergence, IReadOnlyList<string> Changes,
    IReadOnlyList<string> Notes, Trajectory Rerun);

/// <summary>
/// Re-executes a recorded episode: a fresh environment (and sandbox, rebuilt by replaying the recorded actions) is reset on
/// the same task and seed with the limits and reward mode that were in force, the recorded actions are sent through the
/// episode driver one by one (no agent involved), and the result is compared with the recording (<see cref="TrajectoryDiff"/>).
/// </summary>
public static class EpisodeRerun
{
    /// <summary>Reasons the host truncates from outside the environment: a rerun ends the same way once the recorded actions run out.</summary>
    private static readonly HashSet<string> HostReasons = ["turn_timeout", "episode_timeout", ContextLengthExceededException.Reason];

    /// <summary>Re-executes <paramref name="recorded"/> as <paramref name="setup"/> says, with sandboxes from <paramref name="sandboxes"/> when the environment needs one.</summary>
    public static async Task<RerunReport> RunAsync(Trajectory recorded, ReplaySetup setup, ISandboxProvider? sandboxes = null,
        TimeProvider? time = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        ArgumentNullException.ThrowIfNull(setup);
        var runner = new EpisodeRunner(sandboxes, time ?? TimeProvider.System, logger ?? NullLogger.Instance, $"rerun-{recorded.RunId}");
        var actions = Actions(recorded, recorded.Steps.Count, $"rerun({recorded.AgentId})");
        var request = setup.Request(recorded);
        var outcome = await runner.RunEpisodeAsync(request, setup.CreateEnvironment, ownsEnvironment: true, actions, cancellationToken).ConfigureAwait(false);
        var rerun = outcome.Trajectory;

        var notes = new List<string>();
        var expected = recorded;
        if (recorded.Termination is Termination.Cancelled || recorded.Error?.Boundary is ErrorBoundary.Agent or ErrorBoundary.Host)
        {
            // The recording stopped for a reason outside the environment: only its steps can be compared.
            notes.Add($"the recording ended {Describe(recorded)} after {recorded.Steps.Count} step(s); those steps were replayed");
            expected = recorded with { Termination = Termination.Cancelled, TruncationReason = null, Error = null, Breakdown = null };
        }
        var divergence = TrajectoryDiff.FirstDifference(expected, rerun);
        if (divergence is null && recorded.Error is { Boundary: not (ErrorBoundary.Agent or ErrorBoundary.Host) } error)
            notes.Add($"the {error.Boundary.ToString().ToLowerInvariant()} failed again as recorded ({error.Type}: {error.Message})");
        if (request.Judge is { Replayed: > 0 and var replayed })
            notes.Add($"{replayed} judge verdict{(replayed == 1 ? " was" : "s were")} scored again from the recording, without a judge call");
        var changes = setup.Changes.ToList();
        if (request.Judge is { } judge) changes.AddRange(judge.Changes);
        if (recorded.Provenance?.Sandbox is { ImageId: { } then } && rerun.Provenance?.Sandbox is { ImageId: { } now } && then != now)
            changes.Add($"the sandbox image {rerun.Provenance.Sandbox.Image} is now {now}; the episode ran in {then}");
        return new RerunReport(recorded.EpisodeId, divergence?.Step ?? recorded.Steps.Count, divergence, changes, notes, rerun);
    }

    /// <summary>
    /// The first <paramref name="count"/> recorded actions; when they are all of the recording and it was truncated by the
    /// host from outside, the rerun is truncated the same way after them.
    /// </summary>
    internal static RecordedActions Actions(Trajectory recorded, int count, string agentId)
    {
        var end = count == recorded.Steps.Count && recorded.Termination == Termination.Truncated && recorded.TruncationReason is { } reason && HostReasons.Contains(reason)
            ? new SourceEnd(reason) : SourceEnd.Stop;
        return new RecordedActions([.. recorded.Steps.Take(count).Select(s => s.Action)], agentId, end);
    }

    private static string Describe(Trajectory t) =>
        t.Error is { } e ? $"errored at the {e.Boundary.ToString().ToLowerInvariant()} boundary ({e.Type})" : t.Termination.ToString().ToLowerInvariant();
}
