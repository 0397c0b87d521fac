using System.Collections.Concurrent;
using System.Threading.Channels;
using Forge.Core;
using Forge.Host;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Forge.Cluster.Dispatch;

/// <summary>
/// Runs episodes on the cluster's workers instead of in this process, delivering their trajectories to the same sinks.
/// Each worker gets at most <see cref="ClusterOptions.InFlightPerWorker"/> episodes at once (never more than its capacity);
/// workers that join during the run are used as they come. An episode whose worker is lost, times out (its episode
/// timeout plus <see cref="ClusterOptions.Grace"/>) or refuses it is dispatched again elsewhere, up to
/// <see cref="ClusterOptions.MaxAttempts"/> times; a worker that fails <see cref="ClusterOptions.DrainAfterFailures"/>
/// times in a row is drained. Every episode is delivered exactly once (by episode id), however often it was dispatched.
/// </summary>
public sealed partial class ClusterDispatcher : IRolloutRunner
{
    private readonly ClusterConnection _connection;
    private readonly RunSpec _spec;
    private readonly IAgent? _driverAgent;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, WorkerLink> _workers = new(StringComparer.Ordinal);

    /// <summary>Creates a dispatcher for one run.</summary>
    /// <param name="connection">The cluster.</param>
    /// <param name="spec">The run: its scenario, seed and id, sent to every worker before its first episode.</param>
    /// <param name="driverAgent">The agent that stays with the driver (workers ask it for every turn); null when workers build the scenario's agent themselves.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Where warnings go (workers lost, drained).</param>
    public ClusterDispatcher(ClusterConnection connection, RunSpec spec, IAgent? driverAgent = null, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(spec);
        _connection = connection;
        // The driver's agent, when there is one, plays every turn: workers are told what it is and ask for each turn.
        _spec = driverAgent is null ? spec with { DriverAgent = null, DriverAgentId = null }
            : spec with { DriverAgent = WireFormat.Encode(driverAgent.Provenance), DriverAgentId = driverAgent.Id };
        _driverAgent = driverAgent;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>What each worker did for this run, as the driver saw it.</summary>
    public IReadOnlyList<WorkerTally> Workers => [.. _workers.Values.Select(w => w.Tally()).OrderBy(t => t.Worker, StringComparer.Ordinal)];

    /// <summary>What dispatching added to each episode of this run, over its duration on the worker.</summary>
    public DispatchOverhead Overhead { get; } = new();

    private ClusterOptions Options => _connection.Options;

    /// <inheritdoc />
    public async Task<RunSummary> RunAsync(ChannelReader<EpisodeRequest> requests, IReadOnlyList<ITrajectorySink> sinks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentNullException.ThrowIfNull(sinks);
        var run = new DispatchRun(this, requests, cancellationToken);
        var summary = new RunSummaryBuilder(_spec.RunId, _time);
        var fanOut = new TrajectoryFanOut(sinks, summary, _logger);
        var consumer = Task.Run(() => fanOut.ConsumeAsync(run.Delivered.Reader), CancellationToken.None);
        Exception? failure = null;
        try
        {
            await run.ExecuteAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            failure = e;
        }
        run.Delivered.Writer.TryComplete();
        await consumer.ConfigureAwait(false);
        await fanOut.CompleteAsync().ConfigureAwait(false);
        foreach (var link in _workers.Values) link.Dispose();
        if (failure is ClusterUnavailableException) throw failure;
        if (failure is not null) throw new InvalidOperationException($"The request source failed: {failure.Message}", failure);
        return summary.Build(cancellationToken.IsCancellationRequested);
    }
}
