using System.Runtime.CompilerServices;
using Forge.Core;
using Forge.Core.Rewards;
using Forge.Host;
using Microsoft.Extensions.Logging;

namespace Forge.Cluster.Workers;

/// <summary>
/// A run a worker is ready for: the worker's tasks, the run's agent (null when the agent stays with the driver), sandbox pool, the
/// scenario's judge (connected from this worker, null when it has none) and the one episode driver. Turns each
/// <see cref="EpisodeWork"/> back into the request the driver made and runs it.
/// </summary>
internal sealed class PreparedRun : IAsyncDisposable
{
    private readonly RunSpec _spec;
    private readonly TaskCatalog _catalog;
    private readonly IAgent? _agent;
    private readonly AgentPipeline? _pipeline;
    private readonly ISandboxProvider? _sandboxes;
    private readonly EpisodeRunner _runner;
    private readonly RolloutOptions _options;
    private readonly StrongBox<AgentProvenance>? _driverAgent;
    private readonly JudgeEndpoint? _judge;

    public PreparedRun(RunSpec spec, TaskCatalog catalog, IAgent? agent, ISandboxProvider? sandboxes, JudgeEndpoint? judge, ILogger logger)
    {
        _spec = spec;
        _catalog = catalog;
        _agent = agent;
        _sandboxes = sandboxes;
        _judge = judge;
        _options = new RolloutOptions { AgentRetries = spec.AgentRetries, RunId = spec.RunId };
        _pipeline = agent is null ? null : new AgentPipeline(agent, _options, TimeProvider.System);
        _runner = new EpisodeRunner(sandboxes, TimeProvider.System, logger, spec.RunId);
        if (spec.DriverAgent is { } driverAgent) _driverAgent = new(WireFormat.Decode<AgentProvenance>(driverAgent, "driver's agent"));
    }

    public Task<Trajectory> RunAsync(EpisodeWork work, ITurnSource? turns, CancellationToken cancellationToken)
    {
        var request = Request(work);
        ActionSource actions;
        if (_agent is not null) actions = new AgentActions(_agent, _pipeline!);
        else
        {
            var remote = new RemoteAgent(turns ?? throw new WorkerUnavailableException($"run {_spec.RunKey} plays its agent at the driver, but the driver sent no turn source"),
                _spec.DriverAgentId ?? "driver", _driverAgent!);
            actions = new AgentActions(remote, new AgentPipeline(remote, _options, TimeProvider.System));
        }
        return _runner.RunAsync(request, id => _catalog.Registry.Get(id).Create(), actions, cancellationToken);
    }

    private EpisodeRequest Request(EpisodeWork work)
    {
        var environment = _catalog.Registry.Get(work.EnvironmentId);
        var (task, provenance) = _catalog.Find(environment, work.TaskSeed, work.TaskId)
            ?? throw new WorkerUnavailableException($"task `{work.TaskId}` is not among {environment.Id}'s tasks (task seed {work.TaskSeed}) on this worker: its registry differs from the driver's");
        if (work.TaskContentHash.Length > 0 && provenance.ContentHash != work.TaskContentHash)
            throw new WorkerUnavailableException($"task `{work.TaskId}` of {environment.Id} differs on this worker (content hash {provenance.ContentHash[..12]}, the driver's {work.TaskContentHash[..Math.Min(12, work.TaskContentHash.Length)]}): its task files differ from the driver's");
        return new EpisodeRequest(work.EpisodeId, environment.Id, task, work.Seed, work.GroupId)
        {
            Limits = WireFormat.Decode<EpisodeLimits>(work.Limits, "episode's limits"),
            RewardMode = Enum.Parse<RewardMode>(work.RewardMode),
            AgentSeed = work.AgentSeed,
            TaskProvenance = provenance,
            Judge = work.Judge is null ? null : Judge(work),
        };
    }

    /// <summary>This worker's judge for a judged episode: the one the driver gave it, or a refusal saying how they differ.</summary>
    private JudgeEndpoint Judge(EpisodeWork work)
    {
        var wanted = WireFormat.Decode<JudgeProvenance>(work.Judge!, "episode's judge");
        if (_judge is null)
            throw new WorkerUnavailableException($"episode {work.EpisodeId} is judged by {wanted.Model}, but the scenario the driver sent ({_spec.ScenarioPath}) has no \"judge\" section for this worker to connect to");
        if (_judge.Provenance != wanted)
            throw new WorkerUnavailableException($"episode {work.EpisodeId} is judged by {Describe(wanted)}, but this worker connected to {Describe(_judge.Provenance)}: the scenario's judge differs from the driver's");
        return _judge;
    }

    private static string Describe(JudgeProvenance judge) =>
        $"{judge.Model} ({judge.Mode.ToString().ToLowerInvariant()} mode) at {judge.Endpoint ?? "no endpoint"}{(judge.ApiKeyEnv is { } key ? $" with the key in ${key}" : "")}";

    public async ValueTask DisposeAsync()
    {
        if (_sandboxes is not null) await _sandboxes.DisposeAsync().ConfigureAwait(false);
    }
}
