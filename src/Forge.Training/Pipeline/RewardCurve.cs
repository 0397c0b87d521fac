using ScottPlot;

namespace Forge.Training.Pipeline;

/// <summary>Draws the run's learning curve — success rate and mean reward against wall time, every phase — to a PNG.</summary>
public static class RewardCurve
{
    /// <summary>Writes <paramref name="path"/> from <paramref name="rows"/>; rows of each phase get their own series.</summary>
    public static void Save(string path, IReadOnlyList<UpdateMetrics> rows, string title)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var plot = new Plot();
        var rl = rows.Where(r => r.Phase == "rl").ToList();
        if (rl.Count > 0)
        {
            var success = plot.Add.Scatter(rl.Select(r => r.WallSeconds).ToArray(), Smooth(rl.Select(r => r.SuccessRate).ToArray(), 5));
            success.LegendText = "RL rollouts: success rate (moving average of 5 updates)";
            success.MarkerSize = 0;
            success.LineWidth = 2;
            var reward = plot.Add.Scatter(rl.Select(r => r.WallSeconds).ToArray(), Smooth(rl.Select(r => r.RewardMean).ToArray(), 5));
            reward.LegendText = "RL rollouts: mean shaped reward";
            reward.MarkerSize = 0;
            reward.LinePattern = LinePattern.Dashed;
        }
        var warm = rows.Where(r => r.Phase == "warm_start").ToList();
        if (warm.Count > 0)
        {
            var end = warm[^1].WallSeconds;
            var span = plot.Add.HorizontalSpan(0, end);
            span.LegendText = "supervised warm start";
            span.FillStyle.Color = Colors.Orange.WithAlpha(0.12);
        }
        var eval = rows.Where(r => r.Phase == "eval").ToList();
        if (eval.Count > 0)
        {
            var points = plot.Add.Scatter(eval.Select(r => r.WallSeconds).ToArray(), eval.Select(r => r.SuccessRate).ToArray());
            points.LegendText = "evaluation: success rate";
            points.LineWidth = 0;
            points.MarkerSize = 10;
            points.MarkerShape = MarkerShape.FilledDiamond;
        }
        var bar = plot.Add.HorizontalLine(0.8);
        bar.LinePattern = LinePattern.Dotted;
        bar.Color = Colors.Gray;
        plot.Title(title);
        plot.XLabel("wall time (s)");
        plot.YLabel("success rate / reward");
        plot.Axes.SetLimitsY(0, Math.Max(1.05, rows.Count == 0 ? 1 : rows.Max(r => r.RewardMean) + 0.05));
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, 900, 500);
    }

    private static double[] Smooth(double[] values, int window)
    {
        var result = new double[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var start = Math.Max(0, i - window + 1);
            result[i] = values[start..(i + 1)].Average();
        }
        return result;
    }
}
