using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Forge.Cli.Commands.Trajectories;
using Forge.Host.Checking;
using Forge.Host.Checking.RedTeam;
using Forge.Host.Registry;
using Spectre.Console;

namespace Forge.Cli.Commands.Envs;

/// <summary><c>forge envs check ID --red-team [--json]</c>: runs <see cref="RedTeamCheck"/> and prints what it found; exit 1 on findings.</summary>
internal static class RedTeamOutput
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static async Task<int> RunAsync(RegisteredEnvironment environment, CheckOptions options, EnvsCheckCommand.Settings settings, TextWriter stdout, int? width, CancellationToken cancellationToken)
    {
        if (settings.Tasks is < 1) throw new ArgumentException($"--tasks: must be at least 1 (got {settings.Tasks}).");
        var started = DateTime.UtcNow;
        var report = await RedTeamCheck.RunAsync(environment, options, settings.Tasks, cancellationToken);
        var elapsed = DateTime.UtcNow - started;
        if (settings.Json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new { report.EnvironmentId, report.Version, report.Passed, report.MinReward, report.MaxReward, report.Threshold,
                report.Tasks, report.Adversaries, best_by_adversary = report.BestByAdversary, report.Findings, report.SolverMisses, report.HasSolver }, Json));
            return report.Passed ? 0 : 1;
        }

        var console = TrajectoryFileLoader.ConsoleFor(stdout, width);
        var table = new Table().Border(TableBorder.Rounded).AddColumns("adversary", "best reward", "episodes at or above the threshold");
        foreach (var adversary in report.Adversaries)
            table.AddRow(Markup.Escape(adversary), Number(report.BestByAdversary.GetValueOrDefault(adversary, double.NaN)),
                report.Findings.Count(f => f.Agent == adversary).ToString(CultureInfo.InvariantCulture));
        console.Write(table);
        foreach (var finding in report.Findings.Take(10).Concat(report.SolverMisses.Take(10)))
        {
            console.MarkupLine($"[red]{Markup.Escape(finding.Agent)}[/] on task '{Markup.Escape(finding.TaskId)}' (seed {finding.Seed}): reward {Number(finding.Reward)} " +
                $"({Markup.Escape(string.Join(", ", finding.Breakdown.Select(b => $"{b.Key} {Number(b.Value)}")))})");
            foreach (var line in finding.Episode.Take(6)) console.MarkupLine($"    {Markup.Escape(line)}");
        }
        var solver = report.HasSolver ? $"the solver reached full marks on {report.Tasks - report.SolverMisses.Count}/{report.Tasks} tasks" : "no solver";
        console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"{Markup.Escape(report.EnvironmentId)} v{Markup.Escape(report.Version)} {(report.Passed ? "[green]withstands[/]" : "[red]is exploitable[/]")} the red team: " +
            $"{report.Findings.Count} findings over {report.Tasks} tasks × {report.Adversaries.Count} adversaries (threshold {Number(report.Threshold)} of [[{Number(report.MinReward)}, {Number(report.MaxReward)}]]); {solver} ({elapsed.TotalSeconds:0.0} s)"));
        return report.Passed ? 0 : 1;
    }

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
