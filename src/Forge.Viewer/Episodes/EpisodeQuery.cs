using System.Globalization;
using Forge.Core;
using Forge.Host.Recording.Index;
using Microsoft.AspNetCore.Http;

namespace Forge.Viewer.Episodes;

/// <summary>
/// The episodes page's filters, sort and page, read from the query string (<c>env</c>, <c>task</c>, <c>agent</c>,
/// <c>policy</c>, <c>min_reward</c>, <c>max_reward</c>, <c>success</c>, <c>termination</c>, <c>errors</c>,
/// <c>tool_errors</c>, <c>sort</c>, <c>desc</c>, <c>page</c>, <c>size</c>) and applied to a log's summaries.
/// </summary>
internal sealed record EpisodeQuery
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;

    public string? Environment { get; init; }
    public string? Task { get; init; }
    public string? Agent { get; init; }
    /// <summary>A policy version, or -1 for "no policy".</summary>
    public int? Policy { get; init; }
    public double? MinReward { get; init; }
    public double? MaxReward { get; init; }
    public bool? Success { get; init; }
    public Termination? Termination { get; init; }
    /// <summary><c>any</c>, <c>none</c>, or an error boundary's name.</summary>
    public string? Errors { get; init; }
    public bool? ToolErrors { get; init; }
    public string Sort { get; init; } = "ordinal";
    public bool Descending { get; init; }
    public int Page { get; init; }
    public int Size { get; init; } = DefaultPageSize;

    private static readonly Dictionary<string, Func<EpisodeSummary, IComparable?>> SortKeys = new(StringComparer.Ordinal)
    {
        ["ordinal"] = e => e.Ordinal, ["episode"] = e => e.EpisodeId, ["environment"] = e => e.EnvironmentId, ["task"] = e => e.TaskId,
        ["agent"] = e => e.AgentId, ["policy"] = e => e.PolicyVersion ?? -1, ["reward"] = e => e.TotalReward, ["success"] = e => e.Success,
        ["termination"] = e => e.Termination, ["steps"] = e => e.Steps, ["tool_errors"] = e => e.ToolErrors, ["duration"] = e => e.DurationMs,
        ["started"] = e => e.StartedAt,
    };

    /// <summary>Reads the query string; a bad value is an <see cref="ArgumentException"/> naming the parameter.</summary>
    public static EpisodeQuery Parse(IQueryCollection q)
    {
        string? Text(string name) => q.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v.ToString().Trim() : null;
        double? Number(string name) => Text(name) is { } s
            ? double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d
                : throw new ArgumentException($"`{name}` must be a number (got `{s}`).")
            : null;
        int Int(string name, int fallback, int min, int max) => Text(name) is { } s
            ? int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) && i >= min && i <= max ? i
                : throw new ArgumentException($"`{name}` must be a whole number from {min} to {max} (got `{s}`).")
            : fallback;
        bool? YesNo(string name) => Text(name) switch
        {
            null => null,
            "yes" or "true" => true,
            "no" or "false" => false,
            var s => throw new ArgumentException($"`{name}` must be yes or no (got `{s}`)."),
        };

        var sort = Text("sort") ?? "ordinal";
        if (!SortKeys.ContainsKey(sort))
            throw new ArgumentException($"`sort` must be one of {string.Join(", ", SortKeys.Keys)} (got `{sort}`).");
        var termination = Text("termination") is { } t
            ? Enum.TryParse<Termination>(t, ignoreCase: true, out var parsed) && !int.TryParse(t, out _) ? parsed
                : throw new ArgumentException($"`termination` must be one of {string.Join(", ", Enum.GetNames<Termination>().Select(n => n.ToLowerInvariant()))} (got `{t}`).")
            : (Termination?)null;
        var errors = Text("errors");
        if (errors is not null and not "any" and not "none" && !Enum.TryParse<ErrorBoundary>(errors, ignoreCase: true, out _))
            throw new ArgumentException($"`errors` must be any, none or a boundary ({string.Join(", ", Enum.GetNames<ErrorBoundary>().Select(n => n.ToLowerInvariant()))}); got `{errors}`.");
        var policy = Text("policy") switch
        {
            null => (int?)null,
            "none" => -1,
            var s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0 ? v
                : throw new ArgumentException($"`policy` must be a policy version or none (got `{s}`)."),
        };
        return new EpisodeQuery
        {
            Environment = Text("env"), Task = Text("task"), Agent = Text("agent"), Policy = policy,
            MinReward = Number("min_reward"), MaxReward = Number("max_reward"), Success = YesNo("success"), Termination = termination,
            Errors = errors, ToolErrors = YesNo("tool_errors"), Sort = sort, Descending = YesNo("desc") ?? false,
            Page = Int("page", 0, 0, int.MaxValue), Size = Int("size", DefaultPageSize, 1, MaxPageSize),
        };
    }

    /// <summary>True when <paramref name="e"/> passes every filter.</summary>
    public bool Matches(EpisodeSummary e) =>
        (Environment is null || e.EnvironmentId == Environment)
        && (Task is null || e.TaskId.Contains(Task, StringComparison.OrdinalIgnoreCase))
        && (Agent is null || e.AgentId == Agent)
        && (Policy is null || (e.PolicyVersion ?? -1) == Policy)
        && (MinReward is null || e.TotalReward >= MinReward)
        && (MaxReward is null || e.TotalReward <= MaxReward)
        && (Success is null || e.Success == Success)
        && (Termination is null || e.Termination == Termination)
        && (ToolErrors is null || (e.ToolErrors > 0) == ToolErrors)
        && Errors switch
        {
            null => true,
            "any" => e.ErrorBoundary is not null,
            "none" => e.ErrorBoundary is null,
            var boundary => e.ErrorBoundary is { } b && string.Equals(b.ToString(), boundary, StringComparison.OrdinalIgnoreCase),
        };

    /// <summary>The matching episodes, sorted (ties in log order), and the requested page of them.</summary>
    public (int Matched, IReadOnlyList<EpisodeSummary> Page) Apply(IReadOnlyList<EpisodeSummary> episodes)
    {
        var matched = new List<EpisodeSummary>();
        foreach (var e in episodes) if (Matches(e)) matched.Add(e);
        if (Sort != "ordinal" || Descending)
        {
            var key = SortKeys[Sort];
            Comparison<EpisodeSummary> compare = (a, b) =>
            {
                var c = Comparer<IComparable?>.Default.Compare(key(a), key(b));
                return c != 0 ? (Descending ? -c : c) : a.Ordinal.CompareTo(b.Ordinal);
            };
            matched.Sort(compare);
        }
        var skip = (long)Page * Size;
        var page = skip >= matched.Count ? [] : matched.GetRange((int)skip, (int)Math.Min(Size, matched.Count - skip));
        return (matched.Count, page);
    }
}
