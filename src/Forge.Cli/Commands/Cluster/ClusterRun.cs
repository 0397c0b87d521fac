using Forge.Cluster;
using Forge.Core;
using Forge.Cluster.Dispatch;
using Forge.Host;
using Forge.Host.Scenarios;

namespace Forge.Cli.Commands.Cluster;

/// <summary>
/// Where a driver's episodes run: on a cluster when <c>--cluster</c> or the scenario's <c>"cluster"</c> section says so
/// (the flag wins), else in this process. Owns the cluster connection.
/// </summary>
internal sealed class ClusterRun : IAsyncDisposable
{
    private readonly ClusterConnection _connection;

    private ClusterRun(ClusterConnection connection, ClusterDispatcher dispatcher)
    {
        _connection = connection;
        Dispatcher = dispatcher;
    }

    public ClusterDispatcher Dispatcher { get; }

    /// <summary>The cluster options in force, or null when the run stays in this process.</summary>
    public static ClusterOptions? OptionsFor(Scenario scenario, string? flag) =>
        flag is not null ? ClusterOptions.FromArgument(flag)
        : scenario.Cluster is { } section ? ClusterOptions.Parse(section, scenario.Path, "$.cluster")
        : null;

    /// <summary>
    /// Connects and prepares a dispatcher for <paramref name="scenario"/>'s episodes under <paramref name="runId"/>; with
    /// <paramref name="driverAgent"/>, that agent plays every turn here and the workers ask for them.
    /// </summary>
    public static async Task<ClusterRun> StartAsync(ClusterOptions options, Scenario scenario, string runId, IAgent? driverAgent, CancellationToken cancellationToken)
    {
        var connection = await ClusterConnection.ConnectAsync(options, cancellationToken);
        var spec = await SpecAsync(scenario, runId, cancellationToken);
        return new ClusterRun(connection, new ClusterDispatcher(connection, spec, driverAgent));
    }

    /// <summary>Connects for a training run: every rollout phase dispatches to the workers, and the policy plays every turn here.</summary>
    public static async Task<(ClusterConnection Connection, Func<IAgent, string, IRolloutRunner> Rollouts)> ForTrainingAsync(ClusterOptions options, Scenario scenario, CancellationToken cancellationToken)
    {
        var connection = await ClusterConnection.ConnectAsync(options, cancellationToken);
        var spec = await SpecAsync(scenario, "", cancellationToken);
        return (connection, (agent, runId) => new ClusterDispatcher(connection, spec with { RunKey = $"{runId}-{Guid.NewGuid():n}", RunId = runId }, agent));
    }

    private static async Task<RunSpec> SpecAsync(Scenario scenario, string runId, CancellationToken cancellationToken) => new()
    {
        RunKey = runId,
        RunId = runId,
        ScenarioJson = await File.ReadAllTextAsync(scenario.Path, cancellationToken),
        ScenarioPath = scenario.Path,
        Seed = scenario.Seed,
        AgentRetries = scenario.AgentRetries,
    };

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
