using Forge.Core;
using Forge.Host.Recording;

namespace Forge.Cli.Commands.Trajectories;

/// <summary>What <c>forge inspect</c> reports about a trajectory file; serialized as is (snake_case) by <c>--json</c>.</summary>
internal sealed record InspectReport(
    string File,
    int FormatVersion,
    int Episodes,
    int Steps,
    IReadOnlyList<CorruptRecord> CorruptRecords,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<EnvironmentStats> Environments,
    IReadOnlyDictionary<string, int> Terminations,
    IReadOnlyDictionary<string, int> TruncationReasons,
    IReadOnlyList<ErrorCount> Errors,
    int ToolErrors,
    int MalformedMessages,
    TimingStats TimingsMs,
    IReadOnlyList<PolicyVersionCount> PolicyVersions,
    IReadOnlyDictionary<string, int> Agents)
{
    public static InspectReport Build(TrajectoryFile file, IReadOnlyList<string> warnings)
    {
        var all = file.Trajectories;
        var steps = all.SelectMany(t => t.Steps).ToList();
        return new InspectReport(
            file.Path,
            file.FormatVersion,
            all.Count,
            steps.Count,
            file.Corrupt,
            warnings,
            all.GroupBy(t => t.EnvironmentId).OrderBy(g => g.Key, StringComparer.Ordinal).Select(EnvironmentStats.Of).ToList(),
            CountBy(all, t => Names.Snake(t.Termination)),
            CountBy(all.Where(t => t.TruncationReason is not null), t => t.TruncationReason!),
            all.Where(t => t.Error is not null)
                .GroupBy(t => (Boundary: Names.Snake(t.Error!.Boundary), t.Error.Type))
                .Select(g => new ErrorCount(g.Key.Boundary, g.Key.Type, g.Count()))
                .OrderByDescending(e => e.Count).ThenBy(e => e.Boundary, StringComparer.Ordinal).ThenBy(e => e.Type, StringComparer.Ordinal).ToList(),
            all.Sum(t => t.ToolErrorCount),
            all.Sum(t => t.MalformedCount),
            new TimingStats(
                Percentiles.Of(all.Select(t => t.DurationMs)),
                Percentiles.Of(steps.Select(s => s.AgentMs + s.EnvironmentMs)),
                Percentiles.Of(steps.Select(s => s.AgentMs)),
                Percentiles.Of(steps.Select(s => s.EnvironmentMs))),
            all.GroupBy(t => t.PolicyVersion).OrderBy(g => g.Key ?? -1).Select(g => new PolicyVersionCount(g.Key, g.Count())).ToList(),
            CountBy(all, t => t.AgentId.Length == 0 ? "(none)" : t.AgentId));
    }

    private static IReadOnlyDictionary<string, int> CountBy<T>(IEnumerable<T> items, Func<T, string> key) =>
        items.GroupBy(key).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count());
}

/// <summary>Rewards and success of one environment's episodes.</summary>
internal sealed record EnvironmentStats(string Id, IReadOnlyList<string> Versions, int Episodes, Summary Reward, double SuccessRate, double MeanSteps)
{
    public static EnvironmentStats Of(IGrouping<string, Trajectory> episodes) => new(
        episodes.Key,
        episodes.Select(t => t.EnvironmentVersion).Distinct().Order(StringComparer.Ordinal).ToList(),
        episodes.Count(),
        Summary.Of(episodes.Select(t => t.TotalReward).ToList()),
        episodes.Count(t => t.Success) / (double)episodes.Count(),
        episodes.Average(t => t.Steps.Count));
}

/// <summary>Mean, population standard deviation, minimum and maximum of a non-empty list.</summary>
internal sealed record Summary(double Mean, double Std, double Min, double Max)
{
    public static Summary Of(IReadOnlyList<double> values)
    {
        var mean = values.Average();
        var variance = values.Sum(v => (v - mean) * (v - mean)) / values.Count;
        return new Summary(mean, Math.Sqrt(variance), values.Min(), values.Max());
    }
}

/// <summary>Median and 95th percentile (nearest rank); null when there is nothing to measure.</summary>
internal sealed record Percentiles(double P50, double P95)
{
    public static Percentiles? Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? null : new Percentiles(Rank(sorted, 0.50), Rank(sorted, 0.95));
    }

    private static double Rank(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>Timings in milliseconds: whole episodes, steps (agent + environment), and each half of a step.</summary>
internal sealed record TimingStats(Percentiles? Episode, Percentiles? Step, Percentiles? Agent, Percentiles? Environment);

/// <summary>Episodes that failed at one boundary with one exception type.</summary>
internal sealed record ErrorCount(string Boundary, string Type, int Count);

/// <summary>Episodes acted by one policy version (null: no trainable policy).</summary>
internal sealed record PolicyVersionCount(int? Version, int Episodes);
