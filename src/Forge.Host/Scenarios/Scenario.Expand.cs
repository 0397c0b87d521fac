using Forge.Core.Configuration;
using Forge.Host.Registry;
using Forge.Core;

namespace Forge.Host.Scenarios;

public sealed partial record Scenario
{
    /// <summary>
    /// The episodes the scenario runs, in a fixed order (environment, task, group, member), each with a seed derived from
    /// <see cref="Seed"/> and its place (<see cref="EpisodeSeeds"/>): the same scenario always expands to the same requests.
    /// Throws <see cref="ScenarioException"/> naming every unknown environment or task.
    /// </summary>
    internal IReadOnlyList<EpisodeRequest> ExpandRequests(Func<string, EnvironmentSource> resolve)
    {
        var problems = new List<string>();
        var requests = new List<EpisodeRequest>();
        foreach (var entry in Environments)
        {
            EnvironmentSource source;
            try
            {
                source = resolve(entry.Id);
            }
            catch (KeyNotFoundException e)
            {
                problems.Add($"{Path}: {entry.JsonPath}.id: {e.Message}");
                continue;
            }

            var id = source.Id;
            var tasks = SelectTasks(entry, source, problems);
            var limits = Limits.ApplyTo(source.Limits);
            var limitProblems = limits.Validate();
            if (limitProblems.Count > 0)
            {
                problems.AddRange(limitProblems.Select(p => $"{Path}: $.limits: {p} (for {id})"));
                continue;
            }
            var rewardMode = RewardMode ?? source.RewardMode;
            var groups = EpisodesPerTask / GroupSize;
            foreach (var task in tasks)
                for (var group = 0; group < groups; group++)
                {
                    var groupId = $"{id}:{task.Id}:{group}";
                    for (var member = 0; member < GroupSize; member++)
                        requests.Add(new EpisodeRequest($"{groupId}:{member}", id, task, EpisodeSeeds.Derive(Seed, id, task.Id, group, member), groupId)
                        {
                            Limits = limits,
                            RewardMode = rewardMode,
                            TaskProvenance = source.DescribeTask?.Invoke(task, Seed),
                        });
                }
        }
        if (problems.Count > 0) throw new ScenarioException(problems);
        return requests;
    }

    private IReadOnlyList<IEnvironmentTask> SelectTasks(ScenarioEnvironment entry, EnvironmentSource source, List<string> problems)
    {
        if (entry.TaskIds is { } ids)
        {
            var all = source.Tasks(Seed, null);
            var byId = all.ToDictionary(t => t.Id, StringComparer.Ordinal);
            var selected = new List<IEnvironmentTask>(ids.Count);
            for (var i = 0; i < ids.Count; i++)
            {
                if (byId.TryGetValue(ids[i], out var task)) selected.Add(task);
                else problems.Add($"{Path}: {entry.JsonPath}.task_ids[{i}]: {entry.Id} has no task `{ids[i]}`.{NameSuggestions.DidYouMean(ids[i], byId.Keys)}");
            }
            return selected;
        }
        var tasks = source.Tasks(Seed, entry.Tasks);
        if (entry.Tasks is { } wanted && tasks.Count < wanted)
            problems.Add($"{Path}: {entry.JsonPath}.tasks: asks for {wanted} tasks, but {entry.Id} has only {tasks.Count}");
        if (tasks.Count == 0)
            problems.Add($"{Path}: {entry.JsonPath}: {entry.Id} has no tasks");
        return tasks;
    }
}

/// <summary>What expanding a scenario needs to know of a registered environment.</summary>
/// <param name="Id">Its registered id (a scenario may name it by a shorter form the registry accepts).</param>
/// <param name="Limits">Its default limits.</param>
/// <param name="RewardMode">Its default reward mode.</param>
/// <param name="Tasks">Its tasks for a seed: the first N (or N generated) when a count is given, else all of them.</param>
/// <param name="DescribeTask">Where a task taken with a seed came from, for provenance; null when unknown.</param>
internal sealed record EnvironmentSource(string Id, EpisodeLimits Limits, RewardMode RewardMode, Func<int, int?, IReadOnlyList<IEnvironmentTask>> Tasks,
    Func<IEnvironmentTask, int, TaskProvenance>? DescribeTask = null);
