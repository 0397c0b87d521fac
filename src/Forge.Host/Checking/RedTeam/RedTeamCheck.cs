using Forge.Core;
using Forge.Host.Registry;
using Microsoft.Extensions.Logging.Abstractions;

namespace Forge.Host.Checking.RedTeam;

/// <summary>
/// <c>forge envs check ID --red-team</c>: plays every adversary (<see cref="Adversaries"/>) on every task and reports each
/// episode whose reward reaches half the declared range or more; the solver must still reach full marks on every task.
/// Episodes run through the host's one episode driver (deadlines, sandboxes), <see cref="CheckOptions.Parallelism"/> at a time.
/// </summary>
public static class RedTeamCheck
{
    /// <summary>Attacks <paramref name="environment"/> on its tasks for seed <c>options.Seeds[0]</c> (all of them, or the first <paramref name="maxTasks"/>).</summary>
    public static async Task<RedTeamReport> RunAsync(RegisteredEnvironment environment, CheckOptions? options = null, int? maxTasks = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(environment);
        options ??= new CheckOptions();
        options.Validate();
        if (environment.RequiresSandbox && options.Sandboxes is null)
            throw new ArgumentException($"{environment.Id} needs a sandbox ([RequiresSandbox]); give the check one (--sandbox local|docker).");
        var seed = options.Seeds[0];
        var tasks = environment.Tasks(seed, maxTasks is { } n ? Math.Min(n, environment.TaskCount) : null);
        var adversaries = Adversaries.For(environment.CreateSolver());
        var solver = environment.CreateSolver();

        EnvironmentInfo info;
        await using (var probe = environment.Create()) info = probe.Info;
        var (min, max) = (info.MinReward, info.MaxReward);
        var threshold = min + (max - min) / 2;

        var plays = tasks.SelectMany(t => adversaries.Select(a => (Task: t, Agent: a))).ToList();
        if (solver is not null) plays.AddRange(tasks.Select(t => (Task: t, Agent: solver)));
        var records = new RedTeamFinding[plays.Count];
        // The host's one episode driver, with every deadline at the check's timeout, as `forge envs check` runs its episodes.
        var runner = new EpisodeRunner(options.Sandboxes, TimeProvider.System, NullLogger.Instance, "red-team");
        await Parallel.ForEachAsync(Enumerable.Range(0, plays.Count), new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellationToken },
            async (i, _) => records[i] = await PlayAsync(runner, environment, options, plays[i].Task, seed, plays[i].Agent, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);

        var attacks = records.Where(r => r.Agent.StartsWith("red-team/", StringComparison.Ordinal)).ToList();
        var best = attacks.GroupBy(r => r.Agent).ToDictionary(g => g.Key, g => g.Max(r => r.Reward), StringComparer.Ordinal);
        const double slack = 1e-9;
        return new RedTeamReport(environment.Id, environment.Version, min, max, threshold, tasks.Count,
            [.. adversaries.Select(a => a.Id)], best,
            [.. attacks.Where(r => r.Reward >= threshold - slack)],
            [.. records.Where(r => solver is not null && r.Agent == solver.Id && r.Reward < max - 1e-6)],
            solver is not null);
    }

    private static async Task<RedTeamFinding> PlayAsync(EpisodeRunner runner, RegisteredEnvironment environment, CheckOptions options, IEnvironmentTask task, int seed,
        IAgent agent, CancellationToken cancellationToken)
    {
        var request = new EpisodeRequest($"red-team-{seed}-{task.Id}-{agent.Id}", environment.Id, task, seed, "")
        {
            Limits = environment.Limits with { TurnTimeout = options.Timeout, StepTimeout = options.Timeout, EpisodeTimeout = options.Timeout },
            RewardMode = environment.RewardMode,
        };
        var pipeline = new AgentPipeline(agent, new RolloutOptions { AgentRetries = 0 }, TimeProvider.System);
        var outcome = await runner.RunEpisodeAsync(request, environment.Create, ownsEnvironment: true, new AgentActions(agent, pipeline), cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var trajectory = outcome.Trajectory;
        // An episode that broke the contract earns nothing here; `forge envs check` without --red-team reports it.
        if (trajectory.Error is { } error)
            return new RedTeamFinding(agent.Id, task.Id, seed, double.NegativeInfinity, new Dictionary<string, double>(),
                [$"failed: {error.Type}: {CheckText.Printable(error.Message, 200)}"]);
        var lines = trajectory.Steps.Zip(outcome.Results).SelectMany(s => new[] { "action: " + CheckRun.Describe(s.First.Action) }
            .Concat(s.Second.Observation.Select(o => $"{o.Role.ToString().ToLowerInvariant()}: {CheckText.Printable(o.Content, 80)}"))).ToList();
        var last = outcome.Results.Count > 0 ? outcome.Results[^1] : outcome.TruncationResult;
        return new RedTeamFinding(agent.Id, task.Id, seed, trajectory.TotalReward, (last?.Breakdown ?? trajectory.Breakdown)?.Scores ?? new Dictionary<string, double>(), lines);
    }
}
