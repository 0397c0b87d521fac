using System.Globalization;
using Forge.Training.Pipeline;
using Spectre.Console;

namespace Forge.Cli.Commands.Train;

/// <summary>The live console view of a training run: one line per metrics row, news in grey, a summary at the end.</summary>
internal static class TrainingConsole
{
    public static void Row(UpdateMetrics r, int totalUpdates)
    {
        var success = $"success {r.SuccessRate,5:0.00}";
        var reward = $"reward {r.RewardMean,5:0.00}±{r.RewardStd:0.00}";
        var line = r.Phase switch
        {
            "eval" => $"[bold]eval[/]      v{r.PolicyVersion,-4} {success}  {reward}  ({r.Episodes} episodes)",
            "warm_start" => $"[yellow]warm start[/] epoch {r.Step}  sft loss {r.SupervisedLoss:0.000}  (solver {success}, {r.Episodes} demos)",
            _ => $"update {r.Step,4}/{totalUpdates}  {success}  {reward}  " +
                 (r.Update is { } u
                     ? $"ent {u.Entropy:0.00}  clip {u.ClipFraction:0.00}  kl {u.ApproxKl:0.0000}  "
                     : "no update  ") +
                 $"gen {r.GeneratedTokensPerSecond,6:0} tok/s  stale {r.Staleness:0.0}  skipped {r.SkippedGroups}  stage {r.Stage + 1}",
        };
        if (r.Refills > 0) line += $"  refills {r.Refills}";
        if (r.ErroredEpisodes > 0)
            line += $"  [red]errored {r.ErroredEpisodes}[/] [grey]({Markup.Escape(r.FirstError ?? "")})[/]";
        AnsiConsole.MarkupLine($"[grey]{r.WallSeconds,7:0.0}s[/] {line}");
    }

    public static void News(string text) => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(text)}[/]");

    public static void Summary(TrainingResult result, string output)
    {
        static string P(double? v) => v is { } x ? x.ToString("0.00", CultureInfo.InvariantCulture) : "-";
        var table = new Table().AddColumns("", "value");
        table.AddRow("updates", result.Updates.ToString(CultureInfo.InvariantCulture));
        table.AddRow("wall time", $"{result.WallSeconds:0.0} s");
        table.AddRow("success before training", P(result.SuccessBefore));
        if (result.SuccessAfterWarmStart is not null) table.AddRow("success after warm start", P(result.SuccessAfterWarmStart));
        table.AddRow("success after training", P(result.SuccessAfter));
        table.AddRow("final checkpoint", Markup.Escape(result.FinalCheckpoint));
        table.AddRow("metrics", Markup.Escape(Path.Combine(output, "metrics.csv")));
        table.AddRow("reward curve", Markup.Escape(Path.Combine(output, "reward-curve.png")));
        AnsiConsole.Write(table);
    }

    /// <summary>The <c>--json</c> form of a training run's result (<c>forge train</c>, and <c>forge run</c>'s <c>training</c> field).</summary>
    public static object Json(TrainingResult result, string output) => new
    {
        updates = result.Updates,
        success_before = result.SuccessBefore,
        success_after_warm_start = result.SuccessAfterWarmStart,
        success_after = result.SuccessAfter,
        wall_seconds = result.WallSeconds,
        final_checkpoint = result.FinalCheckpoint,
        output,
    };
}
