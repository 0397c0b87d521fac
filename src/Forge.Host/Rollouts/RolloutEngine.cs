using System.Threading.Channels;
using Forge.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Forge.Host;

/// <summary>
/// Runs episodes concurrently: requests are read by <see cref="RolloutOptions.Concurrency"/> workers, each running one
/// episode at a time; finished trajectories go through a bounded channel (back-pressure when the sinks fall behind)
/// to a single consumer that hands each one to every sink in completion order.
/// Every episode that starts is delivered, however it ends; when the run is cancelled, running episodes end as
/// <see cref="Termination.Cancelled"/>, are delivered, and the sinks are completed.
/// </summary>
public sealed class RolloutEngine
{
    private readonly RolloutOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly EpisodeRunner _runner;
    private readonly Func<string, IEnvironment> _createEnvironment;
    private readonly IAgent _agent;
    private readonly AgentPipeline _pipeline;

    /// <summary>Creates an engine.</summary>
    /// <param name="options">Concurrency, buffering, retries; validated here.</param>
    /// <param name="createEnvironment">Makes a fresh environment for an environment id (one per episode).</param>
    /// <param name="agent">The agent acting in every episode.</param>
    /// <param name="sandboxes">Hands out sandboxes to environments that require one.</param>
    /// <param name="time">The clock for deadlines and timings (fake in tests).</param>
    /// <param name="logger">Where warnings go.</param>
    public RolloutEngine(RolloutOptions options, Func<string, IEnvironment> createEnvironment, IAgent agent, ISandboxProvider? sandboxes = null, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(createEnvironment);
        ArgumentNullException.ThrowIfNull(agent);
        var errors = options.Validate();
        if (errors.Count > 0) throw new ArgumentException("Invalid rollout options: " + string.Join("; ", errors), nameof(options));
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _createEnvironment = createEnvironment;
        _agent = agent;
        _pipeline = new AgentPipeline(agent, options, _time);
        _runner = new EpisodeRunner(sandboxes, _time, _logger, options.RunId);
    }

    /// <summary>Runs every request of <paramref name="requests"/>, ending when they are exhausted or <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task<RunSummary> RunAsync(IEnumerable<EpisodeRequest> requests, IReadOnlyList<ITrajectorySink> sinks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        // Room for a few requests per worker, so workers rarely wait for the producer.
        var channel = Channel.CreateBounded<EpisodeRequest>(new BoundedChannelOptions(Math.Max(64, 2 * _options.Concurrency)) { SingleWriter = true });
        using var stopProducer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(async () =>
        {
            try
            {
                foreach (var request in requests)
                    await channel.Writer.WriteAsync(request, stopProducer.Token).ConfigureAwait(false);
                channel.Writer.TryComplete();
            }
            catch (Exception e)
            {
                channel.Writer.TryComplete(e is OperationCanceledException ? null : e);
            }
        }, CancellationToken.None);
        try
        {
            return await RunAsync(channel.Reader, sinks, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // The workers are gone: a producer still waiting for room must not wait forever.
            await stopProducer.CancelAsync().ConfigureAwait(false);
            await producer.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs every request read from <paramref name="requests"/> until the channel completes or <paramref name="cancellationToken"/> is cancelled.
    /// Throws when the request channel fails; the episodes that ran are still delivered and the sinks completed first.
    /// </summary>
    public async Task<RunSummary> RunAsync(ChannelReader<EpisodeRequest> requests, IReadOnlyList<ITrajectorySink> sinks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentNullException.ThrowIfNull(sinks);
        var summary = new RunSummaryBuilder(_options.RunId, _time);
        var trajectories = Channel.CreateBounded<Trajectory>(new BoundedChannelOptions(_options.TrajectoryBuffer)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

        var consumer = Task.Run(() => ConsumeAsync(trajectories.Reader, sinks, summary), CancellationToken.None);
        var workers = new Task[_options.Concurrency];
        for (var i = 0; i < workers.Length; i++)
            workers[i] = Task.Run(() => WorkAsync(requests, trajectories.Writer, cancellationToken), CancellationToken.None);

        Exception? failure = null;
        try
        {
            await Task.WhenAll(workers).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            failure = e;
        }
        trajectories.Writer.TryComplete();
        await consumer.ConfigureAwait(false);
        await CompleteSinksAsync(sinks, summary).ConfigureAwait(false);
        if (failure is not null) throw new InvalidOperationException($"The request source failed: {failure.Message}", failure);
        return summary.Build(cancellationToken.IsCancellationRequested);
    }

    private async Task WorkAsync(ChannelReader<EpisodeRequest> requests, ChannelWriter<Trajectory> trajectories, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            EpisodeRequest? request;
            try
            {
                if (!requests.TryRead(out request))
                {
                    if (!await requests.WaitToReadAsync(cancellationToken).ConfigureAwait(false)) return;
                    continue;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            Trajectory trajectory;
            try
            {
                trajectory = await _runner.RunAsync(request, _createEnvironment, new AgentActions(_agent, _pipeline), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // The runner turns every fault of an episode into data; reaching here is a bug of the host, still recorded.
                _logger.LogError(e, "Episode {EpisodeId} failed inside the host.", request.EpisodeId);
                trajectory = new Trajectory
                {
                    EpisodeId = request.EpisodeId,
                    RunId = _options.RunId,
                    GroupId = request.GroupId,
                    EnvironmentId = request.EnvironmentId,
                    TaskId = request.Task.Id,
                    Seed = request.Seed,
                    Termination = Termination.Errored,
                    Error = new EpisodeError(ErrorBoundary.Host, e.GetType().Name, e.Message),
                    StartedAt = _time.GetUtcNow(),
                };
            }
            // Never cancelled: a finished trajectory is always delivered (the consumer drains until every worker is done).
            await trajectories.WriteAsync(trajectory, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task ConsumeAsync(ChannelReader<Trajectory> trajectories, IReadOnlyList<ITrajectorySink> sinks, RunSummaryBuilder summary)
    {
        var failed = new bool[sinks.Count];
        await foreach (var trajectory in trajectories.ReadAllAsync().ConfigureAwait(false))
        {
            summary.Add(trajectory);
            for (var i = 0; i < sinks.Count; i++)
            {
                if (failed[i]) continue;
                try
                {
                    await sinks[i].OnTrajectoryAsync(trajectory, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    failed[i] = true;
                    var message = $"{sinks[i].GetType().Name} failed on episode {trajectory.EpisodeId} and receives no more trajectories: {e.Message}";
                    _logger.LogError(e, "{Message}", message);
                    summary.AddSinkError(message);
                }
            }
        }
    }

    private async Task CompleteSinksAsync(IReadOnlyList<ITrajectorySink> sinks, RunSummaryBuilder summary)
    {
        foreach (var sink in sinks)
        {
            try
            {
                await sink.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                var message = $"{sink.GetType().Name} failed to complete: {e.Message}";
                _logger.LogError(e, "{Message}", message);
                summary.AddSinkError(message);
            }
        }
    }
}
