using Forge.Cluster;
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

    /// <summary>Connects and prepares a dispatcher for <paramref name="scenario"/>'s episodes under <paramref name="runId"/>.</summary>
    public static async Task<ClusterRun> StartAsync(ClusterOptions options, Scenario scenario, string runId, CancellationToken cancellationToken)
    {
        var connection = await ClusterConnection.ConnectAsync(options, cancellationToken);
        var spec = new RunSpec
        {
            RunKey = runId,
            RunId = runId,
            ScenarioJson = await File.ReadAllTextAsync(scenario.Path, cancellationToken),
            ScenarioPath = scenario.Path,
            Seed = scenario.Seed,
            AgentRetries = scenario.AgentRetries,
        };
        return new ClusterRun(connection, new ClusterDispatcher(connection, spec));
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
