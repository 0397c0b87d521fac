using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Forge.Cli.Commands.Trajectories;
using Forge.Core;
using Forge.Host.Registry;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Envs;

/// <summary><c>forge envs list [--json]</c>: every registered environment with its version, tools, tasks, limits and agent programs.</summary>
internal sealed class EnvsListCommand : AsyncCommand<EnvsListCommand.Settings>
{
    internal sealed class Settings : RegistrySettings
    {
        [CommandOption("--json")]
        [Description("Print the list as JSON.")]
        public bool Json { get; set; }
    }

    public override Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        RunAsync(settings, Console.Out, cancellationToken);

    internal static async Task<int> RunAsync(Settings settings, TextWriter stdout, CancellationToken cancellationToken, int? width = null)
    {
        var registry = settings.LoadRegistry();
        var rows = new List<(RegisteredEnvironment Environment, IReadOnlyList<string> Tools)>();
        foreach (var environment in registry.Environments)
            rows.Add((environment, await ToolNamesAsync(environment, cancellationToken)));

        if (settings.Json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new
            {
                registry = registry.Path,
                environments = rows.Select(r => new
                {
                    id = r.Environment.Id,
                    version = r.Environment.Version,
                    description = r.Environment.Description,
                    type = r.Environment.EnvironmentType.FullName,
                    tools = r.Tools,
                    tasks = new { count = r.Environment.TaskCount, source = r.Environment.TaskSource },
                    solver = r.Environment.SolverType?.FullName,
                    requires_sandbox = r.Environment.RequiresSandbox,
                    reward_mode = r.Environment.RewardMode.ToString().ToLowerInvariant(),
                    limits = LimitsJson(r.Environment.Limits),
                    agent_programs = r.Environment.AgentPrograms.Select(ProgramJson),
                }),
            }, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }

        var console = TrajectoryFileLoader.ConsoleFor(stdout, width);
        if (rows.Count == 0)
        {
            console.MarkupLine($"No environments registered in {Markup.Escape(registry.Path)}. Add one with [bold]forge envs new NAME[/].");
            return 0;
        }
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("id", "version", "tasks", "tools", "limits", "agent programs", "description");
        foreach (var (environment, tools) in rows)
            table.AddRow(
                Markup.Escape(environment.Id),
                Markup.Escape(environment.Version),
                Markup.Escape(environment.TaskCount.ToString(CultureInfo.InvariantCulture)),
                Markup.Escape(tools.Count == 0 ? "-" : string.Join(", ", tools)),
                Markup.Escape(LimitsText(environment.Limits)),
                Markup.Escape(ProgramsText(environment.AgentPrograms)),
                Markup.Escape(environment.Description));
        console.Write(table);
        console.MarkupLine($"[grey]{rows.Count} environment{(rows.Count == 1 ? "" : "s")} from {Markup.Escape(registry.Path)}[/]");
        return 0;
    }

    /// <summary>The tools an episode offers: reset on the first task and ask; "?" when that fails (for example without a sandbox).</summary>
    private static async Task<IReadOnlyList<string>> ToolNamesAsync(RegisteredEnvironment environment, CancellationToken cancellationToken)
    {
        try
        {
            await using var instance = environment.Create();
            var task = environment.Tasks(seed: 0, count: 1)[0];
            var reset = await instance.ResetAsync(new EpisodeContext("list", 0) { Limits = environment.Limits, Cancellation = cancellationToken }, task);
            return reset.Tools.Select(t => t.Name).ToList();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return ["?"];
        }
    }

    internal static object LimitsJson(EpisodeLimits limits) => new
    {
        max_turns = limits.MaxTurns,
        turn_timeout_s = limits.TurnTimeout.TotalSeconds,
        step_timeout_s = limits.StepTimeout.TotalSeconds,
        tool_timeout_s = limits.ToolTimeout.TotalSeconds,
        episode_timeout_s = limits.EpisodeTimeout.TotalSeconds,
        max_action_chars = limits.MaxActionChars,
    };

    private static object ProgramJson(RegisteredAgentProgram program) => new
    {
        name = program.Name,
        kind = program.IsProcess ? "process" : "in-process",
        type = program.ProgramType?.FullName,
        command = program.Command,
        working_directory = program.WorkingDirectory,
        deadline_s = program.Deadline?.TotalSeconds,
    };

    private static string ProgramsText(IReadOnlyList<RegisteredAgentProgram> programs) =>
        programs.Count == 0 ? "-" : string.Join(", ", programs.Select(p => $"{p.Name} ({(p.IsProcess ? "process" : "in process")})"));

    private static string LimitsText(EpisodeLimits limits) =>
        string.Create(CultureInfo.InvariantCulture, $"{limits.MaxTurns} turns, {limits.EpisodeTimeout.TotalSeconds:0.#} s");
}
