using System.ComponentModel;
using Forge.Viewer;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.View;

/// <summary><c>forge view PATH [--port N]</c>: the trajectory viewer in the browser, on 127.0.0.1, until Ctrl+C.</summary>
internal sealed class ViewCommand : AsyncCommand<ViewCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<PATH>")]
        [Description("A trajectory log, a run folder, or a folder of runs.")]
        public string Path { get; init; } = "";

        [CommandOption("--port <N>")]
        [Description("Port on 127.0.0.1 (default: a free one).")]
        public int Port { get; init; }

        [CommandOption("--registry <PATH>")]
        [Description("The environments.json reruns load (default: ./environments.json, else the one beside forge).")]
        public string? Registry { get; init; }

        public override ValidationResult Validate() =>
            Port is < 0 or > 65535 ? ValidationResult.Error($"--port must be between 0 and 65535 (got {Port})") : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (!File.Exists(settings.Path) && !Directory.Exists(settings.Path))
            throw new FileNotFoundException($"{settings.Path} does not exist: give a trajectory log, a run folder or a folder of runs.");
        ViewerServer server;
        try
        {
            server = await ViewerServer.StartAsync(new ViewerOptions
            {
                Path = settings.Path, Port = settings.Port, RegistryPath = settings.Registry,
                ForkAgents = Trajectories.ForkAgents.Create,   // the agents `forge replay --fork-at K --agent SPEC` knows
            }, cancellationToken);
        }
        catch (IOException e) when (settings.Port != 0)
        {
            throw new ArgumentException($"--port {settings.Port}: cannot listen on 127.0.0.1:{settings.Port} ({e.Message}); pick another port or leave --port out.");
        }
        await using (server)
        {
            using var stop = StopSignals.Watch(cancellationToken, "stopping the viewer");
            Console.Out.WriteLine($"forge view: {server.Url}");
            Console.Out.Flush();
            AnsiConsole.MarkupLine($"[grey]Serving {Markup.Escape(Path.GetFullPath(settings.Path))} on 127.0.0.1 only; Ctrl+C to stop.[/]");
            try { await Task.Delay(Timeout.Infinite, stop.Token); }
            catch (OperationCanceledException) { }
        }
        return 0;
    }
}
