using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Forge.Host.Recording;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Trajectories;

/// <summary><c>forge inspect FILE [--json]</c>: what a trajectory file holds, at a glance.</summary>
internal sealed class InspectCommand : Command<InspectCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<FILE>")]
        [Description("A trajectory file (trajectories.forge).")]
        public string File { get; init; } = "";

        [CommandOption("--json")]
        [Description("Print the report as JSON.")]
        public bool Json { get; init; }
    }

    internal static readonly JsonSerializerOptions JsonOptions = new(TrajectoryJson.Options) { WriteIndented = true };

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        Run(settings, Console.Out, Console.Error);

    internal static int Run(Settings settings, TextWriter stdout, TextWriter stderr, int? width = null)
    {
        var (file, warnings) = TrajectoryFileLoader.Load(settings.File, stderr);
        var report = InspectReport.Build(file, warnings);
        if (settings.Json)
            stdout.WriteLine(JsonSerializer.Serialize(report, JsonOptions));
        else
            Render(report, TrajectoryFileLoader.ConsoleFor(stdout, width));
        return 0;
    }

    private static void Render(InspectReport r, IAnsiConsole console)
    {
        var damaged = r.CorruptRecords.Count == 0 ? "" : $", [yellow]{r.CorruptRecords.Count} damaged stretch(es) skipped[/]";
        console.MarkupLine($"[bold]{Markup.Escape(r.File)}[/]  format {r.FormatVersion}, {r.Episodes} episodes, {r.Steps} steps{damaged}");
        if (r.Episodes == 0) return;

        var environments = new Table().Border(TableBorder.Rounded)
            .AddColumn(new TableColumn("Environment").NoWrap())
            .AddColumns("Ver", "Episodes").AddColumn(new TableColumn("Reward ± std").NoWrap()).AddColumns("Range", "Success", "Steps");
        foreach (var e in r.Environments)
            environments.AddRow(
                Markup.Escape(e.Id), Markup.Escape(string.Join(",", e.Versions)), Int(e.Episodes), $"{Num(e.Reward.Mean)} ± {Num(e.Reward.Std)}",
                $"{Num(e.Reward.Min)}..{Num(e.Reward.Max)}", Percent(e.SuccessRate), Num(e.MeanSteps));
        console.Write(environments);

        var terminations = string.Join(", ", r.Terminations.Select(t => $"{t.Key} {t.Value}"));
        var reasons = r.TruncationReasons.Count == 0 ? "" : $" (truncated by: {string.Join(", ", r.TruncationReasons.Select(t => $"{t.Key} {t.Value}"))})";
        console.MarkupLine($"Terminations: {Markup.Escape(terminations + reasons)}");
        console.MarkupLine(r.Errors.Count == 0
            ? "Errors: none"
            : $"Errors: [red]{Markup.Escape(string.Join(", ", r.Errors.Select(e => $"{e.Boundary}/{e.Type} {e.Count}")))}[/]");
        console.MarkupLine($"Tool errors: {r.ToolErrors}   Malformed messages: {r.MalformedMessages}");

        var timings = new Table().Border(TableBorder.Rounded).AddColumns("Timing (ms)", "p50", "p95");
        foreach (var (name, p) in new[] { ("episode", r.TimingsMs.Episode), ("step", r.TimingsMs.Step), ("agent", r.TimingsMs.Agent), ("environment", r.TimingsMs.Environment) })
            if (p is not null) timings.AddRow(name, Num(p.P50), Num(p.P95));
        console.Write(timings);

        var versions = r.PolicyVersions.Select(v => $"{(v.Version is { } n ? $"v{n}" : "none")} {v.Episodes}");
        console.MarkupLine($"Policy versions: {Markup.Escape(string.Join(", ", versions))}");
        console.MarkupLine($"Agents: {Markup.Escape(string.Join(", ", r.Agents.Select(a => $"{a.Key} {a.Value}")))}");
    }

    private static string Percent(double rate) => (rate * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    internal static string Num(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
