using System.Collections.Concurrent;
using System.Threading.Channels;
using Forge.Core;
using Forge.Host;
using Forge.Serving.Hosting;

namespace Forge.Serving.AgentPrograms;

/// <summary>
/// Runs agent-program episodes through the one episode driver (the rollout engine): the registered environment is reset
/// with the task, the program (<see cref="AgentProgramAgent"/>) acts once — its whole run, under the episode's turn and
/// episode deadlines, as an agent, so its failures are agent errors — and <see cref="AgentProgramEnvironment"/> scores
/// its output. Each finished episode is then recorded with its calls (<see cref="AgentProgramEpisode"/>): one trajectory
/// carrying the token sequences its calls stitch into. Requests stream in like any runner's, so <c>forge run</c>,
/// <c>forge eval</c> and training all drive it the same way.
/// </summary>
/// <param name="host">The server the programs call.</param>
/// <param name="launcher">Starts the program for each episode.</param>
/// <param name="createEnvironment">Makes the registered environment of an id (the scenario's registry).</param>
/// <param name="concurrency">Episodes at once.</param>
/// <param name="deadline">How long one program run may take: the episode's turn deadline (the episode deadline grows to fit it).</param>
/// <param name="sandboxes">Sandboxes for environments that need one; null when none does.</param>
/// <param name="runId">The run id recorded in the trajectories; null for a fresh one.</param>
public sealed class AgentProgramRunner(ServeHost host, IProgramLauncher launcher, Func<string, IEnvironment> createEnvironment, int concurrency, TimeSpan deadline,
    ISandboxProvider? sandboxes = null, string? runId = null) : IRolloutRunner
{
    /// <summary>The agent the driver asks for each episode's action.</summary>
    public AgentProgramAgent Agent { get; } = new(host, launcher);

    /// <inheritdoc />
    public Task<RunSummary> RunAsync(ChannelReader<EpisodeRequest> requests, IReadOnlyList<ITrajectorySink> sinks, CancellationToken cancellationToken) =>
        RunAsync(requests, sinks, onEpisode: null, cancellationToken);

    /// <summary>
    /// Runs <paramref name="requests"/>, handing every recorded trajectory to <paramref name="sinks"/> (completed at the end,
    /// as by any runner); returns the episodes in request order (those the run reached).
    /// </summary>
    public async Task<IReadOnlyList<AgentProgramEpisode>> RunEpisodesAsync(IReadOnlyList<EpisodeRequest> requests, IReadOnlyList<ITrajectorySink> sinks,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var channel = Channel.CreateUnbounded<EpisodeRequest>();
        foreach (var request in requests) channel.Writer.TryWrite(request);
        channel.Writer.TryComplete();
        var episodes = new ConcurrentDictionary<string, AgentProgramEpisode>(StringComparer.Ordinal);
        var summary = await RunAsync(channel.Reader, sinks, e => episodes[e.EpisodeId] = e, cancellationToken);
        if (summary.SinkErrors.Count > 0)
            throw new IOException($"recording agent-program episodes failed: {string.Join("; ", summary.SinkErrors)}");
        return [.. requests.Select(r => episodes.GetValueOrDefault(r.EpisodeId)).OfType<AgentProgramEpisode>()];
    }

    private Task<RunSummary> RunAsync(ChannelReader<EpisodeRequest> requests, IReadOnlyList<ITrajectorySink> sinks, Action<AgentProgramEpisode>? onEpisode,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentNullException.ThrowIfNull(sinks);
        var environmentTypes = new ConcurrentDictionary<string, Type>(StringComparer.Ordinal);
        // No retries: a retried turn would run the whole program again.
        var options = new RolloutOptions { Concurrency = concurrency, AgentRetries = 0 };
        if (runId is not null) options.RunId = runId;
        var engine = new RolloutEngine(options, id =>
        {
            var inner = createEnvironment(id);
            environmentTypes[id] = inner.GetType();
            return AgentProgramEnvironment.Wrap(inner, Agent);
        }, Agent, sandboxes);
        return engine.RunAsync(new DeadlineReader(requests, deadline), [new EpisodeSink(this, environmentTypes, sinks, onEpisode)], cancellationToken);
    }

    /// <summary>
    /// <paramref name="request"/> with the program's whole run as its one turn: the turn deadline is <paramref name="deadline"/>,
    /// and the episode deadline at least that plus a step.
    /// </summary>
    public static EpisodeRequest WithDeadline(EpisodeRequest request, TimeSpan deadline)
    {
        ArgumentNullException.ThrowIfNull(request);
        var limits = request.Limits;
        return request with
        {
            Limits = limits with
            {
                TurnTimeout = deadline,
                EpisodeTimeout = limits.EpisodeTimeout > deadline + limits.StepTimeout ? limits.EpisodeTimeout : deadline + limits.StepTimeout,
            },
        };
    }

    /// <summary>The requests as read, each with the program's deadline.</summary>
    private sealed class DeadlineReader(ChannelReader<EpisodeRequest> inner, TimeSpan deadline) : ChannelReader<EpisodeRequest>
    {
        public override Task Completion => inner.Completion;

        public override bool TryRead(out EpisodeRequest item)
        {
            var read = inner.TryRead(out var request);
            item = read ? WithDeadline(request!, deadline) : null!;
            return read;
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => inner.WaitToReadAsync(cancellationToken);
    }

    /// <summary>Turns each driver trajectory into the episode with its calls and passes its trajectory on.</summary>
    private sealed class EpisodeSink(AgentProgramRunner runner, ConcurrentDictionary<string, Type> environmentTypes, IReadOnlyList<ITrajectorySink> sinks,
        Action<AgentProgramEpisode>? onEpisode) : ITrajectorySink
    {
        public async ValueTask OnTrajectoryAsync(Trajectory trajectory, CancellationToken cancellationToken)
        {
            var episode = AgentProgramEpisode.From(trajectory, runner.Agent.Take(trajectory.EpisodeId), environmentTypes.GetValueOrDefault(trajectory.EnvironmentId));
            onEpisode?.Invoke(episode);
            foreach (var sink in sinks) await sink.OnTrajectoryAsync(episode.Trajectory, cancellationToken);
        }

        public async ValueTask CompleteAsync(CancellationToken cancellationToken)
        {
            var failures = new List<Exception>();
            foreach (var sink in sinks)
            {
                try { await sink.CompleteAsync(cancellationToken); }
                catch (Exception e) { failures.Add(e); }
            }
            if (failures.Count > 0) throw new AggregateException(failures);
        }
    }
}
