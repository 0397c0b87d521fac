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
public sealed class RolloutEngine : IRolloutRunner
{
    private readonly RolloutOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly EpisodeRunner _runner;
    private readonly Func<string, IEnvironment> _createEnvironment;
    private readonly AgentActions _actions;

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
        _actions = new AgentActions(agent, new AgentPipeline(agent, options, _time));
        _runner = new EpisodeRunner(sandboxes, _time, _logger, options.RunId);
    }

    /// <summary>Runs every request of <paramref name="requests"/>, ending when they are exhausted or <paramref name="cancellationToken"/> is cancelled.</summary>
    public Task<RunSummary> RunAsync(IEnumerable<EpisodeRequest> requests, IReadOnlyList<ITrajectorySink> sinks, CancellationToken cancellationToken) =>
        // Room for a few requests per worker, so workers rarely wait for the producer.
        RolloutRunnerExtensions.RunAsync(this, requests, sinks, 2 * _options.Concurrency, cancellationToken);

    /// <inheritdoc />
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

        var fanOut = new TrajectoryFanOut(sinks, summary, _logger);
        var consumer = Task.Run(() => fanOut.ConsumeAsync(trajectories.Reader), CancellationToken.None);
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
        await fanOut.CompleteAsync().ConfigureAwait(false);
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
                trajectory = await _runner.RunAsync(request, _createEnvironment, _actions, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // The runner turns every fault of an episode into data; reaching here is a bug of the host, still recorded.
                _logger.LogError(e, "Episode {EpisodeId} failed inside the host.", request.EpisodeId);
                trajectory = FailedEpisode.Of(request, _options.RunId, ErrorBoundary.Host, e.GetType().Name, e.Message, _time.GetUtcNow());
            }
            // Never cancelled: a finished trajectory is always delivered (the consumer drains until every worker is done).
            await trajectories.WriteAsync(trajectory, CancellationToken.None).ConfigureAwait(false);
        }
    }
}
