using System.Globalization;
using Forge.Host.Evaluation;
using Spectre.Console;

namespace Forge.Cli.Commands.Eval;

/// <summary>The report and the comparison as tables, one row per environment and one for all.</summary>
internal static class EvalConsole
{
    public static void Report(EvalRun run)
    {
        var table = new Table().AddColumns("environment", "episodes", "success", "pass@k", "reward (95 % CI)", "ended", "errors", "tokens", "time");
        foreach (var s in run.Report.Environments.Append(run.Report.All))
            table.AddRow(Markup.Escape(s.Environment), s.Episodes.ToString(CultureInfo.InvariantCulture), F(s.SuccessRate), Markup.Escape(PassAtK(s.PassAtK)),
                $"{F(s.RewardMean)} ± {F(s.RewardInterval95)}", Markup.Escape(Pairs(s.Terminations, n => n.ToString(CultureInfo.InvariantCulture))),
                Markup.Escape(Pairs(s.Errors, n => n.ToString(CultureInfo.InvariantCulture))), Markup.Escape(Tokens(s)), $"{s.EpisodeSeconds:0.0} s");
        AnsiConsole.Write(table);
        foreach (var s in run.Report.Environments)
            AnsiConsole.MarkupLine($"{Markup.Escape(s.Environment)} reward by component: {Markup.Escape(Pairs(s.RewardComponents, F))}");
        AnsiConsole.MarkupLine($"[grey]agent {Markup.Escape(run.Report.Agent)}; wall time {run.Report.WallSeconds:0.0} s; trajectories in {Markup.Escape(run.Trajectories)}[/]");
    }

    public static void Comparison(EvalRun a, EvalRun b, IReadOnlyList<EnvironmentDifference> differences)
    {
        AnsiConsole.MarkupLine($"[bold]A[/] {Markup.Escape(a.Source)} ({Markup.Escape(a.Report.Agent)})  vs  [bold]B[/] {Markup.Escape(b.Source)} ({Markup.Escape(b.Report.Agent)}); Δ = B − A");
        var table = new Table().AddColumns("environment", "episodes A/B", "success A → B (Δ)", "Δ pass@k", "reward A → B (Δ)", "Δ tokens", "paired", "only A solved", "only B solved");
        foreach (var d in differences)
            table.AddRow(Markup.Escape(d.Environment), $"{d.A?.Episodes ?? 0}/{d.B?.Episodes ?? 0}",
                $"{F(d.A?.SuccessRate ?? 0)} → {F(d.B?.SuccessRate ?? 0)} ({Signed(d.SuccessRate)})", Markup.Escape(Pairs(d.PassAtK.ToDictionary(p => $"@{p.Key}", p => p.Value), Signed)),
                $"{F(d.A?.RewardMean ?? 0)} → {F(d.B?.RewardMean ?? 0)} ({Signed(d.RewardMean)})", d.CompletionTokens.ToString("+0;-0;0", CultureInfo.InvariantCulture),
                d.Paired.ToString(CultureInfo.InvariantCulture), d.OnlyASolved.ToString(CultureInfo.InvariantCulture), d.OnlyBSolved.ToString(CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
    }

    private static string PassAtK(IReadOnlyDictionary<int, double> passAtK) => Pairs(passAtK.ToDictionary(p => $"@{p.Key}", p => p.Value), F);

    private static string Tokens(EnvironmentScore s) =>
        s.PromptTokens is { } prompt ? $"{s.CompletionTokens} out, {prompt} in ({s.TokenCount})" : $"{s.CompletionTokens} out ({s.TokenCount})";

    private static string Pairs<T>(IReadOnlyDictionary<string, T> values, Func<T, string> format) =>
        values.Count == 0 ? "-" : string.Join(" ", values.Select(p => $"{p.Key} {format(p.Value)}"));

    private static string F(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Signed(double value) => value.ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture);
}
