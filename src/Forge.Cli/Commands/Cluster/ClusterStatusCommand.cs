using System.ComponentModel;
using Forge.Cli.Commands.Run;
using Forge.Cluster;
using Forge.Cluster.Dispatch;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Cluster;

/// <summary><c>forge cluster status [--cluster FILE|localhost] [--json]</c>: every worker with its capacity, episodes in flight, done and failed.</summary>
internal sealed class ClusterStatusCommand : AsyncCommand<ClusterStatusCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--cluster <FILE>")]
        [Description("A cluster file, or `localhost`. Default localhost.")]
        public string Cluster { get; init; } = ClusterOptions.Localhost;

        [CommandOption("--json")]
        [Description("Print the workers as JSON.")]
        public bool Json { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var options = ClusterOptions.FromArgument(settings.Cluster);
        await using var connection = await ClusterConnection.ConnectAsync(options, cancellationToken, waitForWorkers: false);
        var workers = await connection.DescribeWorkersAsync(cancellationToken);
        if (settings.Json)
        {
            JsonOutput.Write(new
            {
                cluster = options.ClusterId,
                membership = options.Membership.ToString().ToLowerInvariant(),
                workers = workers.Select(w => new
                {
                    address = w.Address, host = w.Host, capacity = w.Capacity, in_flight = w.InFlight, done = w.Done, failures = w.Failures,
                    state = "active", drained_runs = w.Drained, started_at = w.StartedAt,
                }),
            });
            return 0;
        }
        var table = new Table().AddColumns("Worker", "Host", "Capacity", "In flight", "Done", "Failures", "State");
        foreach (var w in workers)
            table.AddRow(Markup.Escape(w.Address), Markup.Escape(w.Host), $"{w.Capacity}", $"{w.InFlight}", $"{w.Done}", $"{w.Failures}", Markup.Escape(w.Drained is null ? "active" : $"active; drained from {w.Drained}"));
        AnsiConsole.MarkupLine($"cluster [bold]{Markup.Escape(options.ClusterId)}[/] ({options.Membership.ToString().ToLowerInvariant()} membership): {workers.Count} worker(s), capacity {workers.Sum(w => w.Capacity)}, {workers.Sum(w => w.InFlight)} in flight");
        AnsiConsole.Write(table);
        return 0;
    }
}
