using Forge.Core;

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
            if (a.FirstDifference(b) is { } fresh)
                throw new CheckFailure($"{a.Label}: two runs on fresh instances differ: {fresh}. An environment must draw randomness only from EpisodeContext.Random and keep state per instance");
            var c = await PlayAsync(first, seed, task, agent).ConfigureAwait(false);
            if (a.FirstDifference(c) is { } reused)
                throw new CheckFailure($"{a.Label}: running the episode again on the same instance differs from the first run: {reused}. Reset must clear every bit of episode state");
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
            var record = await PlayAsync(instance, seed, task, agent, mode).ConfigureAwait(false);
            var (min, max) = (record.Info.MinReward, record.Info.MaxReward);
            var where = $"{record.Label}, {mode.ToString().ToLowerInvariant()} mode";
            if (record.Steps.FirstOrDefault(s => !double.IsFinite(s.Result.Reward)) is { } bad)
                throw new CheckFailure($"{where}: a step gave the reward {bad.Result.Reward}");
            var total = record.TotalReward;
            if (total < min - slack || total > max + slack)
                throw new CheckFailure($"{where}: the episode's reward {Number(total)} is outside the declared range [{Number(min)}, {Number(max)}]");
            if (record.Last.Breakdown is not { } breakdown)
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
            var record = await PlayAsync(instance, seed, task, solver).ConfigureAwait(false);
            var last = record.Last;
            string? failure = null;
            if (!last.Terminated || last.Truncated)
                failure = $"seed {seed}, task '{task.Id}': ended {(last.Truncated ? $"truncated ({last.TruncationReason})" : "without terminating")} after {Plural(record.Steps.Count, "step")}";
            else if (last.Breakdown?.Success != true)
                failure = $"seed {seed}, task '{task.Id}': terminated without success (reward {Number(record.TotalReward)}, scores {Scores(last.Breakdown)})";
            return (Reward: record.TotalReward, Failure: failure);
        }).ConfigureAwait(false);
        var failures = outcomes.Where(o => o.Failure is not null).Select(o => o.Failure!).ToList();
        if (failures.Count > 0)
            throw new CheckFailure($"{solver.Id} solved {outcomes.Count - failures.Count}/{outcomes.Count} episodes; {string.Join("; ", failures.Take(3))}{(failures.Count > 3 ? "; …" : "")}");
        return $"{solver.Id} solved {outcomes.Count}/{outcomes.Count} episodes (mean reward {Number(outcomes.Average(o => o.Reward))})";
    }

    private static string Scores(RewardBreakdown? breakdown) =>
        breakdown is null ? "none" : string.Join(", ", breakdown.Scores.Select(s => $"{s.Key}={Number(s.Value)}"));
}
