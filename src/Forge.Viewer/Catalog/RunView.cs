using Forge.Host.Recording;
using Forge.Host.Recording.Index;

namespace Forge.Viewer.Catalog;

/// <summary>Per environment of a log: episodes, success rate and mean reward.</summary>
internal sealed record EnvironmentStats(string Environment, int Episodes, double SuccessRate, double MeanReward);

/// <summary>A log on the runs page: its size, agents and per-environment results, or why it could not be opened.</summary>
internal sealed record LogView(string Id, int Episodes, int? FormatVersion, IReadOnlyList<CorruptRecord> Corrupt, IReadOnlyList<string> Agents,
    IReadOnlyList<int> PolicyVersions, IReadOnlyList<EnvironmentStats> Environments, string? Error, double OpenMilliseconds, string? IndexNote);

/// <summary>A run on the runs page.</summary>
/// <param name="Id">The run folder relative to the viewer's path.</param>
/// <param name="Scenario">What produced it: the run folder's name (the scenario's <c>output</c> is <c>runs/NAME</c> by default).</param>
/// <param name="Logs">Its trajectory logs.</param>
/// <param name="Training">True when it has <c>metrics.csv</c> (a training run).</param>
/// <param name="Checkpoints">True when it has a <c>checkpoints</c> folder.</param>
internal sealed record RunView(string Id, string Scenario, IReadOnlyList<LogView> Logs, bool Training, bool Checkpoints)
{
    public static RunView Create(RunEntry run, RunCatalog catalog) =>
        new(run.Id, ScenarioName(run), [.. run.Logs.Select(l => Log(catalog.Open(l.Id)))], run.MetricsPath is not null, run.CheckpointsPath is not null);

    /// <summary>The log's summary from its index.</summary>
    public static LogView Log(OpenedLog opened)
    {
        if (opened.Index is not { } index)
            return new LogView(opened.Log.Id, 0, null, [], [], [], [], DisplayText.Escape(opened.Error), opened.OpenMilliseconds, null);
        var episodes = index.Episodes;
        var environments = episodes.GroupBy(e => e.EnvironmentId).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new EnvironmentStats(DisplayText.Escape(g.Key), g.Count(), g.Average(e => e.Success ? 1.0 : 0.0), g.Average(e => e.TotalReward)))
            .ToList();
        var note = index.SaveError ?? (index.Source == IndexSource.Loaded ? null : $"index {index.Source.ToString().ToLowerInvariant()} from the log");
        return new LogView(opened.Log.Id, episodes.Count, index.FormatVersion, index.Corrupt,
            [.. episodes.Select(e => e.AgentId).Distinct().Order(StringComparer.Ordinal).Select(a => DisplayText.Escape(a))],
            [.. episodes.Where(e => e.PolicyVersion is not null).Select(e => e.PolicyVersion!.Value).Distinct().Order()],
            environments, null, opened.OpenMilliseconds, note is null ? null : DisplayText.Escape(note));
    }

    // runs/quickstart → quickstart; runs/quickstart/train → quickstart (train).
    private static string ScenarioName(RunEntry run)
    {
        var name = Path.GetFileName(run.Folder.TrimEnd(Path.DirectorySeparatorChar));
        var parent = Path.GetFileName(Path.GetDirectoryName(run.Folder.TrimEnd(Path.DirectorySeparatorChar)) ?? "");
        var scenario = name is "train" or "eval" or "reruns" or "forks" && parent.Length > 0 ? $"{parent} ({name})" : name;
        return DisplayText.Escape(scenario);
    }
}
