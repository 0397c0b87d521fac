using System.ComponentModel;
using Forge.Cli.Commands.Envs;
using Forge.Host.Mcp;
using ModelContextProtocol.Server;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Mcp;

/// <summary><c>forge mcp serve ENV_ID [--task ID] [--seed N]</c>: an environment's tools as an MCP server on stdin/stdout.</summary>
internal sealed class McpServeCommand : AsyncCommand<McpServeCommand.Settings>
{
    internal sealed class Settings : RegistrySettings
    {
        [CommandArgument(0, "<ENV_ID>")]
        [Description("The environment whose tools to serve, like math/arithmetic.")]
        public string Id { get; set; } = "";

        [CommandOption("--task <ID>")]
        [Description("The task the episode is on. Default: the environment's first task.")]
        public string? Task { get; set; }

        [CommandOption("--seed <N>")]
        [Description("The episode's seed. Default 0.")]
        public int Seed { get; set; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var environment = settings.LoadRegistry().Get(settings.Id);
        var task = settings.Task is null
            ? environment.Tasks(settings.Seed, 1)[0]
            : environment.FindTask(settings.Task, settings.Seed) ?? throw new ArgumentException($"--task: {environment.Id} has no task '{settings.Task}'.");
        await using var server = new EnvironmentToolServer(environment, task, settings.Seed);
        await using var transport = new StdioServerTransport($"forge/{environment.Id}");
        Console.Error.WriteLine($"forge: serving the tools of {environment.Id} v{environment.Version} (task '{task.Id}') over MCP on stdio");
        await server.RunAsync(transport, cancellationToken);
        return 0;
    }
}
