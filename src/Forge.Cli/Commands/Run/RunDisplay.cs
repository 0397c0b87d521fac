using Forge.Core;
using Forge.Host;
using Spectre.Console;

namespace Forge.Cli.Commands.Run;

/// <summary>What <c>forge run</c> shows: a live progress bar (plain lines when the console isn't interactive), then the summary.</summary>
internal static class RunDisplay
{
    /// <summary>How many errored episodes the summary names.</summary>
    public const int ErrorsShown = 5;

    /// <summary>Waits for <paramref name="run"/>, showing progress from <paramref name="progress"/>.</summary>
    public static async Task<RunSummary> FollowAsync(Task<RunSummary> run, ProgressSink progress, int total, string title)
    {
        if (AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected)
        {
            return await AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async context =>
                {
                    var bar = context.AddTask(title, maxValue: total);
                    while (!run.IsCompleted)
                    {
                        Update(bar, progress.Current);
                        await Task.WhenAny(run, Task.Delay(100));
                    }
                    Update(bar, progress.Current);
                    return await run;
                });
        }

        // Not interactive (CI logs, redirected output): a line at each tenth of the way and at least every 5 seconds.
        var lastLine = DateTime.UtcNow;
        var lastTenth = -1;
        while (!run.IsCompleted)
        {
            await Task.WhenAny(run, Task.Delay(250));
            var now = progress.Current;
            var tenth = total > 0 ? now.Episodes * 10 / total : 0;
            if (tenth != lastTenth || DateTime.UtcNow - lastLine > TimeSpan.FromSeconds(5))
            {
                Console.WriteLine($"{title}: {Describe(now, total)}");
                (lastTenth, lastLine) = (tenth, DateTime.UtcNow);
            }
        }
        return await run;
    }

    private static void Update(ProgressTask bar, RunProgress now)
    {
        bar.Value = now.Episodes;
        bar.Description = $"{now.Episodes}/{bar.MaxValue:0} episodes · mean reward {now.MeanReward:0.###} · errors {now.Errored}";
    }

    private static string Describe(RunProgress p, int total) =>
        $"{p.Episodes}/{total} episodes, {p.Steps} steps, mean reward {p.MeanReward:0.###}, {p.Successes} solved, {p.Errored} errored, {p.Truncated} truncated";

    /// <summary>The summary table, the first errors and the trajectory file's path.</summary>
    public static void PrintSummary(string scenarioName, RunSummary summary, ErroredEpisodes errored, string? trajectoryPath)
    {
        var table = new Table().Title($"{scenarioName}: {summary.Episodes} episodes in {summary.WallSeconds:0.##} s")
            .AddColumn(new TableColumn("environment").NoWrap())
            .AddColumns("episodes", "mean reward", "std", "success", "errors", "mean steps");
        foreach (var env in summary.Environments)
            table.AddRow(Markup.Escape(env.Id), $"{env.Episodes}", $"{env.MeanReward:0.###}", $"{env.StdReward:0.###}", $"{env.SuccessRate:P0}", $"{env.Errors}", $"{env.MeanSteps:0.#}");
        AnsiConsole.Write(table);

        AnsiConsole.MarkupLine($"episodes/s [bold]{summary.EpisodesPerSecond:0.#}[/] · steps/s [bold]{summary.StepsPerSecond:0.#}[/] · " +
            string.Join(" · ", summary.Terminations.OrderBy(t => t.Key).Select(t => $"{t.Key.ToString().ToLowerInvariant()} {t.Value}")));
        if (summary.Errors.Count > 0)
        {
            AnsiConsole.MarkupLine("[yellow]errors by boundary:[/] " + string.Join(", ", summary.Errors.OrderBy(e => e.Key).Select(e => $"{e.Key.ToString().ToLowerInvariant()} {e.Value}")));
            foreach (var t in errored.First)
                AnsiConsole.MarkupLine($"  [yellow]{Markup.Escape(t.EpisodeId)}[/]: {Markup.Escape($"{t.Error!.Boundary}: {t.Error.Type}: {t.Error.Message}")}");
            if (errored.Count > errored.First.Count) AnsiConsole.MarkupLine($"  … and {errored.Count - errored.First.Count} more (forge inspect shows them all)");
        }
        foreach (var error in summary.SinkErrors) AnsiConsole.MarkupLine($"[red]{Markup.Escape(error)}[/]");
        if (summary.Cancelled) AnsiConsole.MarkupLine("[yellow]cancelled:[/] episodes that were running are recorded as cancelled.");
        if (trajectoryPath is not null) AnsiConsole.MarkupLine($"trajectories: [bold]{Markup.Escape(trajectoryPath)}[/]");
    }
}
