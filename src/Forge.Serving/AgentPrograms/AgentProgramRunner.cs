using System.Collections.Concurrent;
using Forge.Core;
using Forge.Host;
using Forge.Serving.Hosting;

namespace Forge.Serving.AgentPrograms;

/// <summary>
/// Runs agent-program episodes through the one episode driver (the rollout engine): the registered environment is reset
/// with the task, the program (<see cref="AgentProgramAgent"/>) acts once — its whole run, under the episode's turn and
/// episode deadlines, as an agent, so its failures are agent errors — and <see cref="AgentProgramEnvironment"/> scores
/// its output. Each finished episode is then recorded with its calls: one trajectory per stitched token sequence, all
/// sharing the driver's reward, termination, error and provenance.
/// </summary>
/// <param name="host">The server the programs call.</param>
/// <param name="launcher">Starts the program for each episode.</param>
/// <param name="createEnvironment">Makes the registered environment of an id (the scenario's registry).</param>
/// <param name="sandboxes">Sandboxes for environments that need one; null when none does.</param>
public sealed class AgentProgramRunner(ServeHost host, IProgramLauncher launcher, Func<string, IEnvironment> createEnvironment, ISandboxProvider? sandboxes = null)
{
    /// <summary>The agent the driver asks for each episode's action.</summary>
    public AgentProgramAgent Agent { get; } = new(host, launcher);

    /// <summary>
    /// Runs <paramref name="requests"/>, <paramref name="concurrency"/> at once, handing every recorded trajectory to
    /// <paramref name="sinks"/> (not completed here); returns the episodes in request order (those the run reached).
    /// </summary>
    public async Task<IReadOnlyList<AgentProgramEpisode>> RunAsync(IReadOnlyList<EpisodeRequest> requests, int concurrency, IReadOnlyList<ITrajectorySink> sinks,
        CancellationToken cancellationToken)
    {
        var environmentTypes = new ConcurrentDictionary<string, Type>(StringComparer.Ordinal);
        var episodes = new EpisodeSink(this, environmentTypes, sinks);
        // No retries: a retried turn would run the whole program again.
        var engine = new RolloutEngine(new RolloutOptions { Concurrency = concurrency, AgentRetries = 0 }, id =>
        {
            var inner = createEnvironment(id);
            environmentTypes[id] = inner.GetType();
            return AgentProgramEnvironment.Wrap(inner, Agent);
        }, Agent, sandboxes);
        var summary = await engine.RunAsync(requests, [episodes], cancellationToken);
        if (summary.SinkErrors.Count > 0)
            throw new IOException($"recording agent-program episodes failed: {string.Join("; ", summary.SinkErrors)}");
        return [.. requests.Select(r => episodes.Find(r.EpisodeId)).OfType<AgentProgramEpisode>()];
    }

    /// <summary>Turns each driver trajectory into the episode with its calls and passes its trajectories on.</summary>
    private sealed class EpisodeSink(AgentProgramRunner runner, ConcurrentDictionary<string, Type> environmentTypes, IReadOnlyList<ITrajectorySink> sinks) : ITrajectorySink
    {
        private readonly ConcurrentDictionary<string, AgentProgramEpisode> _episodes = new(StringComparer.Ordinal);

        public AgentProgramEpisode? Find(string episodeId) => _episodes.GetValueOrDefault(episodeId);

        public async ValueTask OnTrajectoryAsync(Trajectory trajectory, CancellationToken cancellationToken)
        {
            var episode = AgentProgramEpisode.From(trajectory, runner.Agent.Take(trajectory.EpisodeId), environmentTypes.GetValueOrDefault(trajectory.EnvironmentId));
            _episodes[trajectory.EpisodeId] = episode;
            foreach (var recorded in episode.Trajectories)
                foreach (var sink in sinks) await sink.OnTrajectoryAsync(recorded, cancellationToken);
        }

        public ValueTask CompleteAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
