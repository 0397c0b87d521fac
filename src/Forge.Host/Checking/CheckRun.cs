using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using Forge.Core;
using Forge.Host.Registry;

namespace Forge.Host.Checking;

/// <summary>One run of every check on one environment. Each check returns what it saw, or throws <see cref="CheckFailure"/>.</summary>
internal sealed partial class CheckRun(RegisteredEnvironment environment, CheckOptions options, CancellationToken cancellationToken)
{
    private readonly List<CheckResult> _results = [];
    private IReadOnlyList<(int Seed, IEnvironmentTask Task)>? _episodes;

    public async Task<CheckReport> RunAsync()
    {
        await RunCheckAsync(CheckNames.Tasks, CheckTasksAsync).ConfigureAwait(false);
        await RunCheckAsync(CheckNames.Info, CheckInfoAsync).ConfigureAwait(false);
        await RunCheckAsync(CheckNames.Reset, CheckResetAsync).ConfigureAwait(false);
        await RunCheckAsync(CheckNames.ToolSchemas, CheckToolSchemasAsync).ConfigureAwait(false);
        await RunCheckAsync(CheckNames.Determinism, CheckDeterminismAsync).ConfigureAwait(false);
        await RunCheckAsync(CheckNames.RewardRange, CheckRewardRangeAsync).ConfigureAwait(false);
        await RunCheckAsync(CheckNames.Solver, CheckSolverAsync).ConfigureAwait(false);
        await RunCheckAsync(CheckNames.AgentPrograms, CheckAgentProgramsAsync).ConfigureAwait(false);
        await RunCheckAsync(CheckNames.StepAfterDone, CheckStepAfterDoneAsync).ConfigureAwait(false);
        await RunCheckAsync(CheckNames.Truncation, CheckTruncationAsync).ConfigureAwait(false);
        foreach (var (name, actions) in HostileActions())
            await RunCheckAsync(name, () => CheckHostileAsync(name, actions)).ConfigureAwait(false);
        await RunCheckAsync(CheckNames.Forkable, CheckForkableAsync).ConfigureAwait(false);
        await RunCheckAsync(CheckNames.Dispose, CheckDisposeAsync).ConfigureAwait(false);
        return new CheckReport(environment.Id, environment.Version, _results);
    }

    private async Task RunCheckAsync(string name, Func<Task<string>> check)
    {
        var watch = Stopwatch.StartNew();
        CheckResult result;
        try
        {
            var message = await check().ConfigureAwait(false);
            result = new CheckResult(name, CheckStatus.Passed, message, watch.Elapsed);
        }
        catch (CheckFailure e)
        {
            result = new CheckResult(name, CheckStatus.Failed, e.Message, watch.Elapsed);
        }
        catch (CheckSkipped e)
        {
            result = new CheckResult(name, CheckStatus.Skipped, e.Message, watch.Elapsed);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            result = new CheckResult(name, CheckStatus.Failed, $"{e.GetType().Name}: {CheckText.Printable(e.Message, 300)}", watch.Elapsed);
        }
        _results.Add(result);
    }

    /// <summary>The (seed, task) pairs episodes run on: <see cref="CheckOptions.Episodes"/> tasks per seed, spread over the task list.</summary>
    private IReadOnlyList<(int Seed, IEnvironmentTask Task)> Episodes()
    {
        if (_episodes is not null) return _episodes;
        var perSeed = options.Episodes;
        var wanted = Math.Max(1, Math.Min(environment.TaskCount, perSeed * options.Seeds.Count));
        var episodes = new List<(int, IEnvironmentTask)>();
        for (var i = 0; i < options.Seeds.Count; i++)
        {
            var seed = options.Seeds[i];
            IReadOnlyList<IEnvironmentTask> pool;
            try
            {
                pool = environment.Tasks(seed, wanted);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new CheckFailure($"Tasks({seed}, {wanted}) threw {e.GetType().Name}: {CheckText.Printable(e.Message, 200)}");
            }
            if (pool.Count == 0) throw new CheckFailure("the environment has no tasks");
            for (var k = 0; k < perSeed; k++) episodes.Add((seed, pool[(i * perSeed + k) % pool.Count]));
        }
        return _episodes = episodes;
    }

    /// <summary>The agents episodes are played with: the solver when there is one, and the probe.</summary>
    private IReadOnlyList<IAgent> Agents()
    {
        var agents = new List<IAgent>();
        if (NewSolver() is { } solver) agents.Add(solver);
        agents.Add(new ProbeAgent());
        return agents;
    }

    private IAgent? NewSolver()
    {
        try
        {
            return environment.CreateSolver();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new CheckFailure($"creating the solver {environment.SolverType?.FullName} threw {e.GetType().Name}: {CheckText.Printable(e.Message, 200)}");
        }
    }

    private IEnvironment NewInstance()
    {
        try
        {
            return environment.Create();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new CheckFailure($"creating an instance of {environment.EnvironmentType.FullName} threw {e.GetType().Name}: {CheckText.Printable(e.Message, 200)}");
        }
    }

    /// <summary>
    /// Runs <paramref name="run"/> on every item, <see cref="CheckOptions.Parallelism"/> at a time (episodes on separate
    /// instances are independent), and returns the results in the items' order. When items fail, the failure of the first
    /// one in that order is rethrown, so a report never depends on timing.
    /// </summary>
    private async Task<IReadOnlyList<T>> ForEachAsync<TItem, T>(IReadOnlyList<TItem> items, Func<TItem, Task<T>> run)
    {
        var results = new T[items.Count];
        var failures = new Exception?[items.Count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, items.Count), parallel, async (i, _) =>
        {
            try
            {
                results[i] = await run(items[i]).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                failures[i] = e;
            }
        }).ConfigureAwait(false);
        if (failures.FirstOrDefault(f => f is not null) is { } first) ExceptionDispatchInfo.Capture(first).Throw();
        return results;
    }

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Plural(int count, string noun) => $"{count} {noun}{(count == 1 ? "" : "s")}";
}
