using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Forge.Cli.Commands.Trajectories;
using Forge.Core;
using Forge.Host.Checking;
using Forge.Sandbox;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Envs;

/// <summary><c>forge envs check ID [--json]</c>: runs the conformance checker; exit 1 when a check fails.</summary>
internal sealed class EnvsCheckCommand : AsyncCommand<EnvsCheckCommand.Settings>
{
    internal sealed class Settings : RegistrySettings
    {
        [CommandArgument(0, "<ID>")]
        [Description("The environment to check, like math/arithmetic (a unique name such as 'arithmetic' works too).")]
        public string Id { get; set; } = "";

        [CommandOption("--json")]
        [Description("Print the report as JSON.")]
        public bool Json { get; set; }

        [CommandOption("--seeds <LIST>")]
        [Description("Comma-separated seeds to run episodes with. Default 0,1,2.")]
        public string? Seeds { get; set; }

        [CommandOption("--episodes <N>")]
        [Description("Tasks tried per seed. Default 2.")]
        public int? Episodes { get; set; }

        [CommandOption("--parallelism <N>")]
        [Description("Whole episodes run at once in the determinism, reward-range and solver checks. Default: the processor count.")]
        public int? Parallelism { get; set; }

        [CommandOption("--sandbox <BACKEND>")]
        [Description("The sandbox backend for environments that need one: local (default) or docker.")]
        public string? Sandbox { get; set; }

        [CommandOption("--red-team")]
        [Description("Play adversarial agents on every task instead: exit 1 when one reaches half the reward range or the solver misses full marks.")]
        public bool RedTeam { get; set; }

        [CommandOption("--tasks <N>")]
        [Description("With --red-team: attack only the first N tasks. Default: all of them.")]
        public int? Tasks { get; set; }

        [CommandOption("--timeout <SECONDS>")]
        [Description("The longest one episode may take before its check fails. Default 30.")]
        public double? Timeout { get; set; }

        public CheckOptions ToOptions()
        {
            var options = new CheckOptions();
            if (Seeds is not null)
            {
                var seeds = new List<int>();
                foreach (var part in Seeds.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                    seeds.Add(int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed)
                        ? seed
                        : throw new ArgumentException($"--seeds: '{part}' is not an integer; give a list such as 0,1,2."));
                options.Seeds = seeds;
            }
            if (Episodes is { } episodes) options.Episodes = episodes;
            if (Parallelism is { } parallelism) options.Parallelism = parallelism;
            if (Timeout is { } seconds)
                options.Timeout = double.IsFinite(seconds) && seconds > 0 && seconds <= 86_400
                    ? TimeSpan.FromSeconds(seconds)
                    : throw new ArgumentException($"--timeout: {seconds} is not a number of seconds between 0 and 86400.");
            options.Validate();
            return options;
        }
    }

    public override Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        RunAsync(settings, Console.Out, Console.Error, cancellationToken);

    internal static async Task<int> RunAsync(Settings settings, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken, int? width = null)
    {
        var options = settings.ToOptions();
        var environment = settings.LoadRegistry().Get(settings.Id);
        if (!settings.Json) stderr.WriteLine($"checking {environment.Id} v{environment.Version}…");
        await using var sandboxes = environment.RequiresSandbox ? SandboxProviders.Create(new SandboxOptions { Backend = settings.Sandbox ?? "local" }) : null;
        options.Sandboxes = sandboxes;
        if (settings.RedTeam) return await RedTeamOutput.RunAsync(environment, options, settings, stdout, width, cancellationToken);
        var started = DateTime.UtcNow;
        var report = await EnvironmentChecker.CheckAsync(environment, options, cancellationToken);
        var elapsed = DateTime.UtcNow - started;

        if (settings.Json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new
            {
                environment = report.EnvironmentId,
                version = report.Version,
                passed = report.Passed,
                checks = report.Checks.Select(c => new
                {
                    name = c.Name,
                    status = c.Status.ToString().ToLowerInvariant(),
                    message = c.Message,
                    duration_ms = Math.Round(c.Duration.TotalMilliseconds, 1),
                }),
            }, new JsonSerializerOptions { WriteIndented = true }));
            return report.Passed ? 0 : 1;
        }

        var console = TrajectoryFileLoader.ConsoleFor(stdout, width);
        var table = new Table().Border(TableBorder.Rounded).AddColumns("check", "result", "details", "time");
        foreach (var check in report.Checks)
            table.AddRow(
                Markup.Escape(check.Name),
                check.Status switch { CheckStatus.Passed => "[green]passed[/]", CheckStatus.Skipped => "[yellow]skipped[/]", _ => "[red]FAILED[/]" },
                Markup.Escape(check.Message),
                Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{check.Duration.TotalMilliseconds:0} ms")));
        console.Write(table);
        var count = (Passed: report.Checks.Count(c => c.Status == CheckStatus.Passed), Skipped: report.Checks.Count(c => c.Status == CheckStatus.Skipped), Failed: report.Failures.Count());
        var verdict = report.Passed ? "[green]passes[/]" : "[red]fails[/]";
        console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"{Markup.Escape(report.EnvironmentId)} v{Markup.Escape(report.Version)} {verdict}: {count.Passed} passed, {count.Skipped} skipped, {count.Failed} failed ({elapsed.TotalSeconds:0.0} s)"));
        return report.Passed ? 0 : 1;
    }
}
