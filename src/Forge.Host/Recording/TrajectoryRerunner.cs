using System.Globalization;
using Forge.Core;

namespace Forge.Host.Recording;

/// <summary>Where a re-executed episode first differed from its recording.</summary>
/// <param name="Step">The step index, or null for the opening observation (reset) .</param>
/// <param name="What">What differed (<c>observation</c>, <c>reward</c>, <c>end</c>, <c>breakdown</c>, <c>error</c>).</param>
/// <param name="Recorded">The recorded value, in words.</param>
/// <param name="Rerun">The value the environment gave now.</param>
public sealed record RerunDivergence(int? Step, string What, string Recorded, string Rerun);

/// <summary>The outcome of re-executing one recorded episode: how far it went and the first divergence, if any.</summary>
/// <param name="EpisodeId">The episode.</param>
/// <param name="StepsReplayed">Steps that matched their recording.</param>
/// <param name="Divergence">The first difference; null when the environment reproduced the recording.</param>
/// <param name="Notes">Things worth knowing that are not divergences (version changed, error reproduced, …).</param>
public sealed record RerunReport(string EpisodeId, int StepsReplayed, RerunDivergence? Divergence, IReadOnlyList<string> Notes);

/// <summary>
/// Re-executes a recorded episode: resets a fresh environment on the same task and seed, sends it the recorded assistant
/// messages one by one (no agent involved) and compares each observation and reward with the recording, so that a change
/// in an environment, a reward or a tool shows up as the first step where the run diverges.
/// </summary>
public static class TrajectoryRerunner
{
    private const double RewardTolerance = 1e-9;

    /// <summary>Re-executes <paramref name="recorded"/> against <paramref name="environment"/> (a fresh instance, disposed here).</summary>
    public static async Task<RerunReport> RerunAsync(Trajectory recorded, IEnvironment environment, IEnvironmentTask task,
        EpisodeLimits limits, RewardMode rewardMode, ISandbox? sandbox = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(task);
        var notes = new List<string>();
        await using var _ = environment.ConfigureAwait(false);

        var context = new EpisodeContext(recorded.EpisodeId, recorded.Seed)
        {
            Limits = limits, RewardMode = rewardMode, Sandbox = sandbox, Cancellation = cancellationToken,
        };
        var reset = await environment.ResetAsync(context, task).ConfigureAwait(false);
        if (environment.Info.Version != recorded.EnvironmentVersion)
            notes.Add($"the environment is now version {environment.Info.Version}; the episode was recorded with version {recorded.EnvironmentVersion}");
        if (Compare(recorded.Prompt, reset.Observation) is { } promptDifference)
            return new RerunReport(recorded.EpisodeId, 0, new RerunDivergence(null, "observation", promptDifference.Recorded, promptDifference.Rerun), notes);

        StepResult? last = null;
        for (var i = 0; i < recorded.Steps.Count; i++)
        {
            var step = recorded.Steps[i];
            if (last is { Done: true })
                return Diverged(i, "end", "the episode goes on", $"the environment ended the episode after step {i - 1}");

            var isLast = i == recorded.Steps.Count - 1;
            try
            {
                last = await environment.StepAsync(step.Action, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                if (isLast && recorded.Error is { } error && error.Type == e.GetType().Name)
                {
                    notes.Add($"step {i}: the environment threw {error.Type} again, as recorded ({e.Message})");
                    return new RerunReport(recorded.EpisodeId, i, null, notes);
                }
                return Diverged(i, "error", recorded.Error is { } r ? $"{r.Type}: {r.Message}" : "no error", $"{e.GetType().Name}: {e.Message}");
            }

            IReadOnlyList<Message> observation = last.Observation;
            var reward = last.Reward;
            // The host truncates an episode that hit one of its limits by asking the environment to score it; the recording folds that into the last step.
            if (isLast && !last.Done && recorded.Termination == Termination.Truncated && recorded.TruncationReason is { } reason)
            {
                last = await environment.TruncateAsync(reason, cancellationToken).ConfigureAwait(false);
                observation = [.. observation, .. last.Observation];
                reward += last.Reward;
            }

            if (Compare(step.Observation, observation) is { } difference)
                return Diverged(i, "observation", difference.Recorded, difference.Rerun);
            if (Math.Abs(step.Reward - reward) > RewardTolerance)
                return Diverged(i, "reward", Format(step.Reward), Format(reward));
        }

        var recordedEnded = recorded.Termination is Termination.Terminated or Termination.Truncated;
        if (recordedEnded && recorded.Steps.Count > 0 && last is { Done: false })
            return Diverged(recorded.Steps.Count - 1, "end", $"the episode ended ({recorded.Termination.ToString().ToLowerInvariant()})", "the environment expects more turns");
        if (recorded.Breakdown is { } expected && last?.Breakdown is { } actual && Describe(expected) != Describe(actual))
            return Diverged(recorded.Steps.Count - 1, "breakdown", Describe(expected), Describe(actual));
        if (recorded.Termination is Termination.Cancelled or Termination.Errored)
            notes.Add($"the recording ended {recorded.Termination.ToString().ToLowerInvariant()}; its {recorded.Steps.Count} steps were replayed");
        return new RerunReport(recorded.EpisodeId, recorded.Steps.Count, null, notes);

        RerunReport Diverged(int step, string what, string was, string now) =>
            new(recorded.EpisodeId, step, new RerunDivergence(step, what, was, now), notes);
    }

    private static (string Recorded, string Rerun)? Compare(IReadOnlyList<Message> recorded, IReadOnlyList<Message> rerun)
    {
        for (var i = 0; i < Math.Max(recorded.Count, rerun.Count); i++)
        {
            var a = i < recorded.Count ? Describe(recorded[i]) : "(no message)";
            var b = i < rerun.Count ? Describe(rerun[i]) : "(no message)";
            if (a != b) return ($"message {i}: {a}", $"message {i}: {b}");
        }
        return null;
    }

    private static string Describe(Message m)
    {
        var who = m.Role == Role.Tool ? $"tool {m.Name} ({m.ToolCallId}){(m.IsError ? " error" : "")}" : m.Role.ToString().ToLowerInvariant();
        var calls = m.ToolCalls.Count == 0 ? "" : " calls " + string.Join(", ", m.ToolCalls.Select(c => $"{c.Name}({c.ArgumentsJson})"));
        return $"{who}: \"{m.Content}\"{calls}";
    }

    private static string Describe(RewardBreakdown b) =>
        string.Join(", ", b.Scores.Select(s => $"{s.Key}={Format(s.Value)}")) + $"; total {Format(b.Total)}; success {b.Success}";

    private static string Format(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}
