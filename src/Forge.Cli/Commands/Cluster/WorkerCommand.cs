using System.ComponentModel;
using Forge.Cli.Commands.Run;
using Forge.Cluster;
using Forge.Cluster.Workers;
using Forge.Host.Registry;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Cluster;

/// <summary>
/// <c>forge worker [--cluster FILE|localhost] [--capacity N]</c>: joins a cluster as a worker (an Orleans silo hosting
/// environments and a sandbox pool) and runs the episodes drivers send it until stopped (Ctrl+C or SIGTERM).
/// </summary>
internal sealed class WorkerCommand : AsyncCommand<WorkerCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--cluster <FILE>")]
        [Description("A cluster file (JSON: membership, redis, cluster_id, …), or `localhost` for development clustering on this machine. Default localhost.")]
        public string Cluster { get; init; } = ClusterOptions.Localhost;

        [CommandOption("--capacity <N>")]
        [Description("Episodes this worker runs at once. Default 16.")]
        public int Capacity { get; init; } = 16;

        public override ValidationResult Validate() =>
            Capacity is < 1 or > 100_000 ? ValidationResult.Error("--capacity must be between 1 and 100000") : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var options = ClusterOptions.FromArgument(settings.Cluster);
        using var stop = StopSignals.Watch(cancellationToken, "stopping the worker; it leaves the cluster and removes its sandboxes");
        await ClusterWorker.RunAsync(options, settings.Capacity, EnvironmentRegistry.LoadDefault, AgentFactory.Create,
            address => Console.WriteLine($"worker {address} joined cluster `{options.ClusterId}` ({options.Membership.ToString().ToLowerInvariant()} membership), capacity {settings.Capacity}"),
            stop.Token);
        return 0;
    }
}
