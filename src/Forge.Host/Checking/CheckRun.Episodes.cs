using Forge.Core;
using Forge.Host.Replay;

namespace Forge.Host.Checking;

// Whole episodes: determinism, reward range, the solver.
internal sealed partial class CheckRun
{
    private async Task<string> CheckDeterminismAsync()
    {
        var agents = Agents();
        var episodes = agents.SelectMany(agent => Episodes().Select(e => (Agent: agent, e.Seed, e.Task))).ToList();
        await ForEachAsync(episodes, async episode =>
        {
            var (agent, seed, task) = episode;
            await using var first = NewInstance();
            await using var second = NewInstance();
            var a = await PlayAsync(first, seed, task, agent).ConfigureAwait(false);
            var b = await PlayAsync(second, seed, task, agent).ConfigureAwait(false);
            if (TrajectoryDiff.FirstDifference(a.Trajectory, b.Trajectory) is { } fresh)
                throw new CheckFailure($"{Label(a)}: two runs on fresh instances differ: {Printable(fresh)}. An environment must draw randomness only from EpisodeContext.Random and keep state per instance");
            var c = await PlayAsync(first, seed, task, agent).ConfigureAwait(false);
            if (TrajectoryDiff.FirstDifference(a.Trajectory, c.Trajectory) is { } reused)
                throw new CheckFailure($"{Label(a)}: running the episode again on the same instance differs from the first run: {Printable(reused)}. Reset must clear every bit of episode state");
            return true;
        }).ConfigureAwait(false);
        return $"{Plural(episodes.Count, "episode")} × 3 runs (two fresh instances, one reused) identical, with {string.Join(" and ", agents.Select(a => a.Id))}";
    }

    private async Task<string> CheckRewardRangeAsync()
    {
        const double slack = 1e-9;
        var episodes = new[] { RewardMode.Graded, RewardMode.Binary }
            .SelectMany(mode => Agents().SelectMany(agent => Episodes().Select(e => (Mode: mode, Agent: agent, e.Seed, e.Task))))
            .ToList();
        var totals = await ForEachAsync(episodes, async episode =>
        {
            var (mode, agent, seed, task) = episode;
            await using var instance = NewInstance();
            var outcome = await PlayAsync(instance, seed, task, agent, mode).ConfigureAwait(false);
            var (min, max) = (outcome.Info!.MinReward, outcome.Info.MaxReward);
            var where = $"{Label(outcome)}, {mode.ToString().ToLowerInvariant()} mode";
            var total = outcome.Trajectory.TotalReward;
            if (total < min - slack || total > max + slack)
                throw new CheckFailure($"{where}: the episode's reward {Number(total)} is outside the declared range [{Number(min)}, {Number(max)}]");
            if (outcome.Results.Count == 0 || outcome.Results[^1].Breakdown is not { } breakdown)
                throw new CheckFailure($"{where}: the last step carries no reward breakdown");
            if (mode == RewardMode.Binary && breakdown.Total is not (0 or 1))
                throw new CheckFailure($"{where}: in binary mode the rubric's total must be 0 or 1, got {Number(breakdown.Total)}");
            return total;
        }).ConfigureAwait(false);
        return $"{Plural(totals.Count, "episode")} in graded and binary mode within the declared ranges; rewards seen {Number(totals.Min())}…{Number(totals.Max())}";
    }

    private async Task<string> CheckSolverAsync()
    {
        if (NewSolver() is not { } solver) throw new CheckSkipped("no solver is declared in the registry");
        var outcomes = await ForEachAsync(Episodes(), async episode =>
        {
            var (seed, task) = episode;
            await using var instance = NewInstance();
            var t = (await PlayAsync(instance, seed, task, solver).ConfigureAwait(false)).Trajectory;
            string? failure = null;
            if (t.Termination != Termination.Terminated)
                failure = $"seed {seed}, task '{task.Id}': ended {(t.Termination == Termination.Truncated ? $"truncated ({t.TruncationReason})" : "without terminating")} after {Plural(t.Steps.Count, "step")}";
            else if (t.Breakdown?.Success != true)
                failure = $"seed {seed}, task '{task.Id}': terminated without success (reward {Number(t.TotalReward)}, scores {Scores(t.Breakdown)})";
            return (Reward: t.TotalReward, Failure: failure);
        }).ConfigureAwait(false);
        var failures = outcomes.Where(o => o.Failure is not null).Select(o => o.Failure!).ToList();
        if (failures.Count > 0)
            throw new CheckFailure($"{solver.Id} solved {outcomes.Count - failures.Count}/{outcomes.Count} episodes; {string.Join("; ", failures.Take(3))}{(failures.Count > 3 ? "; …" : "")}");
        return $"{solver.Id} solved {outcomes.Count}/{outcomes.Count} episodes (mean reward {Number(outcomes.Average(o => o.Reward))})";
    }

    private static string Scores(RewardBreakdown? breakdown) =>
        breakdown is null ? "none" : string.Join(", ", breakdown.Scores.Select(s => $"{s.Key}={Number(s.Value)}"));
}

internal sealed partial class CheckRun
{
    private static string Printable(TrajectoryDivergence d) => $"{d.Where}: {d.What}: `{Around(d.Expected, d.Actual)}` vs `{Around(d.Actual, d.Expected)}`";

    // Shows text from a little before the first character where it differs from the other.
    private static string Around(string text, string other)
    {
        var at = 0;
        while (at < text.Length && at < other.Length && text[at] == other[at]) at++;
        var start = Math.Max(0, at - 30);
        return (start > 0 ? "…" : "") + CheckText.Printable(text[start..], 80);
    }
}
