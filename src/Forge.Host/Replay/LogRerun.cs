using Forge.Core;
using Forge.Host.Registry;

namespace Forge.Host.Replay;

/// <summary>An episode that re-executed differently from its recording.</summary>
/// <param name="EpisodeId">The episode.</param>
/// <param name="EnvironmentId">Its environment.</param>
/// <param name="Divergence">The first difference.</param>
/// <param name="Changes">What provenance says changed since the recording.</param>
public sealed record DivergedEpisode(string EpisodeId, string EnvironmentId, TrajectoryDivergence Divergence, IReadOnlyList<string> Changes);

/// <summary>An episode that could not be re-executed, and why.</summary>
/// <param name="EpisodeId">The episode.</param>
/// <param name="EnvironmentId">Its environment.</param>
/// <param name="Why">The reason.</param>
public sealed record NotRerunnable(string EpisodeId, string EnvironmentId, string Why);

/// <summary>What re-executing every episode of a log found.</summary>
/// <param name="Episodes">Episodes considered (after the environment filter).</param>
/// <param name="Reproduced">Episodes that re-executed exactly as recorded.</param>
/// <param name="Diverged">Episodes that differed, each at its first divergence.</param>
/// <param name="NotRerunnable">Episodes that could not be re-executed.</param>
public sealed record LogRerunReport(int Episodes, IReadOnlyList<string> Reproduced, IReadOnlyList<DivergedEpisode> Diverged, IReadOnlyList<NotRerunnable> NotRerunnable);

/// <summary>
/// Re-executes every episode of a recorded log against today's code (<see cref="EpisodeRerun"/>): the regression test an
/// environment's author keeps next to it. An episode diverges at the first step where an observation, a reward (or one of
/// its components) or the end differs.
/// </summary>
public static class LogRerun
{
    /// <summary>
    /// Re-executes <paramref name="trajectories"/> (only <paramref name="environmentId"/>'s when given), one after another, in
    /// order; judged episodes score from their recorded verdicts, and <paramref name="connectJudge"/> (see <see cref="ReplaySetup.Resolve"/>) answers the rest.
    /// </summary>
    public static async Task<LogRerunReport> RunAsync(IEnumerable<Trajectory> trajectories, EnvironmentRegistry registry, ReplaySandboxes sandboxes,
        string? environmentId = null, CancellationToken cancellationToken = default, Func<JudgeProvenance, Forge.Core.Rewards.JudgeEndpoint>? connectJudge = null)
    {
        ArgumentNullException.ThrowIfNull(trajectories);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(sandboxes);
        var wanted = environmentId is null ? null : registry.Get(environmentId).Id;
        var (episodes, reproduced, diverged, skipped) = (0, new List<string>(), new List<DivergedEpisode>(), new List<NotRerunnable>());
        foreach (var recorded in trajectories)
        {
            if (wanted is not null && recorded.EnvironmentId != wanted) continue;
            cancellationToken.ThrowIfCancellationRequested();
            episodes++;
            try
            {
                var setup = ReplaySetup.Resolve(recorded, registry, connectJudge: connectJudge);
                var report = await EpisodeRerun.RunAsync(recorded, setup, sandboxes.For(setup), cancellationToken: cancellationToken).ConfigureAwait(false);
                if (report.Rerun.Error is { Boundary: ErrorBoundary.Sandbox } sandboxError && recorded.Error?.Boundary != ErrorBoundary.Sandbox)
                    skipped.Add(new NotRerunnable(recorded.EpisodeId, recorded.EnvironmentId, $"its sandbox failed: {sandboxError.Message}"));
                else if (report.Divergence is { } d) diverged.Add(new DivergedEpisode(recorded.EpisodeId, recorded.EnvironmentId, d, report.Changes));
                else reproduced.Add(recorded.EpisodeId);
            }
            catch (ReplayException e)
            {
                skipped.Add(new NotRerunnable(recorded.EpisodeId, recorded.EnvironmentId, e.Message));
            }
        }
        return new LogRerunReport(episodes, reproduced, diverged, skipped);
    }
}
