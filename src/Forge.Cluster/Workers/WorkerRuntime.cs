using System.Collections.Concurrent;
using Forge.Agents.Judging;
using Forge.Core;
using Forge.Host;
using Forge.Host.Registry;
using Forge.Host.Scenarios;
using Microsoft.Extensions.Logging;

namespace Forge.Cluster.Workers;

/// <summary>
/// The worker process's episode host: the runs it has prepared (scenario, agent, sandbox pool, the one episode driver),
/// its capacity and its counters. The worker grain is a thin door to it. Disposing it removes every sandbox it made.
/// </summary>
internal sealed class WorkerRuntime(WorkerSettings settings, ILogger<WorkerRuntime> logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<PreparedRun>>> _runs = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _slots = new(settings.Capacity, settings.Capacity);
    private readonly ConcurrentDictionary<(string Run, string Episode), byte> _running = new();
    private int _inFlight;
    private long _done, _failures;
    private readonly ConcurrentDictionary<string, string> _drained = new(StringComparer.Ordinal);
    // The registry is read once: every run of this worker uses the same environments and tasks.
    private readonly Lazy<TaskCatalog> _catalog = new(() => new TaskCatalog(settings.Registry()));

    public WorkerInfo Describe(string address) => new()
    {
        Address = address,
        Host = $"{Environment.MachineName} pid {Environment.ProcessId}",
        Capacity = settings.Capacity,
        InFlight = Volatile.Read(ref _inFlight),
        Done = Interlocked.Read(ref _done),
        Failures = Interlocked.Read(ref _failures),
        Drained = _drained.IsEmpty ? null : string.Join("; ", _drained.Select(d => $"run {d.Key}: {d.Value}")),
        StartedAt = settings.StartedAt,
    };

    public Task PrepareAsync(RunSpec spec) =>
        _runs.GetOrAdd(spec.RunKey, _ => new Lazy<Task<PreparedRun>>(() => Task.Run(() => Prepare(spec)))).Value;

    public async Task ReleaseAsync(string runKey)
    {
        _drained.TryRemove(runKey, out _);
        if (!_runs.TryRemove(runKey, out var lazy)) return;
        await (await lazy.Value.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
    }

    public void Drain(string runKey, string reason)
    {
        _drained[runKey] = reason;
        logger.LogWarning("Drained from run {Run} by its driver: {Reason}", runKey, reason);
    }

    public async Task<byte[]> RunEpisodeAsync(string runKey, EpisodeWork work, ITurnSource? turns, string address, CancellationToken cancellationToken)
    {
        if (_drained.TryGetValue(runKey, out var reason)) throw new WorkerUnavailableException($"worker {address} is drained from run {runKey} ({reason})");
        if (!_runs.TryGetValue(runKey, out var lazy)) throw new WorkerUnavailableException($"worker {address} has not prepared run {runKey}");
        var key = (runKey, work.EpisodeId);
        _running[key] = 0;
        try
        {
            var run = await lazy.Value.ConfigureAwait(false);
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            return await RunAsync(run, work, turns, address, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _running.TryRemove(key, out _);
        }
    }

    /// <summary>The episodes of <paramref name="runKey"/> this worker has taken and not answered yet.</summary>
    public string[] Running(string runKey) => [.. _running.Keys.Where(k => k.Run == runKey).Select(k => k.Episode)];

    private async Task<byte[]> RunAsync(PreparedRun run, EpisodeWork work, ITurnSource? turns, string address, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _inFlight);
        try
        {
            // Off the grain's scheduler: episodes run on the thread pool like in one process.
            var trajectory = await Task.Run(() => run.RunAsync(work, turns, cancellationToken), CancellationToken.None).ConfigureAwait(false);
            trajectory = trajectory with { Provenance = (trajectory.Provenance ?? new Provenance()) with { Worker = address, Attempts = work.Attempt } };
            if (trajectory.Termination == Termination.Errored) Interlocked.Increment(ref _failures);
            return WireFormat.Encode<Trajectory>(trajectory);
        }
        catch
        {
            Interlocked.Increment(ref _failures);
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            Interlocked.Increment(ref _done);
            _slots.Release();
        }
    }

    private PreparedRun Prepare(RunSpec spec)
    {
        var scenario = Scenario.Parse(spec.ScenarioJson, spec.ScenarioPath) with { Seed = spec.Seed };
        var catalog = _catalog.Value;
        var registry = catalog.Registry;
        // The judge is asked from here, as in one process: connected once for the run, its key read from this worker's environment.
        var judge = scenario.Judge is { } options ? OpenAiJudgeModel.Connect(options) : null;
        var sandboxes = scenario.CreateSandboxes(registry, logger);
        var agent = spec.DriverAgent is null ? settings.CreateAgent(scenario, registry) : null;
        logger.LogInformation("Prepared run {RunId} of {Scenario} ({Agent}{Judge})", spec.RunId, scenario.Name, agent?.Id ?? "agent at the driver",
            judge is null ? "" : $", judged by {judge.Options.Model} at {judge.Provenance.Endpoint}");
        return new PreparedRun(spec, catalog, agent, sandboxes, judge, logger);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var lazy in _runs.Values)
        {
            if (!lazy.IsValueCreated) continue;
            try
            {
                await (await lazy.Value.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "A run failed to clean up");
            }
        }
    }
}

/// <summary>What a worker process is given when it starts.</summary>
/// <param name="Capacity">Episodes at once.</param>
/// <param name="Registry">Loads the environment registry.</param>
/// <param name="CreateAgent">Builds the agent a scenario names (scripted, noisy, semantic-kernel).</param>
internal sealed record WorkerSettings(int Capacity, Func<EnvironmentRegistry> Registry, Func<Scenario, EnvironmentRegistry, IAgent> CreateAgent)
{
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;
}

/// <summary>The worker can't take the episode (drained, or the run isn't prepared): the driver sends it elsewhere.</summary>
[GenerateSerializer]
public sealed class WorkerUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WorkerUnavailableException(string message) : base(message) { }
}
