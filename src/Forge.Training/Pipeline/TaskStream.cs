using System.Text.RegularExpressions;
using Forge.Core;
using Forge.Host;
using Forge.Host.Registry;
using Forge.Host.Scenarios;
using Forge.Training.Rl;

namespace Forge.Training.Pipeline;

/// <summary>
/// An endless, seeded stream of episode groups for training: each group is one task drawn from the scenario's environments
/// (round robin) and the current curriculum stage's tasks, rolled out <c>group_size</c> times with distinct seeds.
/// The stage advances once the success rate over the stage's window of finished episodes reaches its threshold.
/// </summary>
public sealed class TaskStream
{
    private readonly Scenario _scenario;
    private readonly IReadOnlyList<Pool> _pools;
    private readonly IReadOnlyList<CurriculumStage> _stages;
    private readonly Random _random;
    private readonly Queue<bool> _window = new();
    private readonly Lock _gate = new();
    private readonly int _groupSize;
    private long _groups;
    private int _stage;

    /// <summary>Builds the stream; throws <see cref="FormatException"/> naming the scenario when a stage matches no task.</summary>
    public TaskStream(Scenario scenario, EnvironmentRegistry registry, IReadOnlyList<CurriculumStage> curriculum, int seed, string groupPrefix = "train", int? groupSize = null, IReadOnlyCollection<string>? only = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(registry);
        _scenario = scenario;
        _stages = curriculum.Count > 0 ? curriculum : [new CurriculumStage()];
        _random = new Random(seed);
        _groupSize = groupSize ?? scenario.GroupSize;
        GroupPrefix = groupPrefix;
        var entries = scenario.Environments.Where(e => only is null || only.Contains(e.Id)).ToList();
        if (entries.Count == 0)
            throw new FormatException($"{scenario.Path}: $.trainer.environments: none of [{string.Join(", ", only ?? [])}] is among the scenario's environments");
        _pools = entries.Select(e =>
        {
            var registered = registry.Get(e.Id);
            var tasks = e.TaskIds is { } ids
                ? ids.Select(id => registered.FindTask(id, scenario.TaskSetSeed) ?? throw new FormatException($"{scenario.Path}: {e.JsonPath}: {e.Id} has no task `{id}`")).ToList()
                : registered.Tasks(scenario.TaskSetSeed, e.Tasks);
            return new Pool(e.Id, tasks, scenario.Limits.ApplyTo(registered.Limits), scenario.RewardMode ?? registered.RewardMode, t => registered.TaskProvenance(t, scenario.TaskSetSeed));
        }).ToList();
        for (var s = 0; s < _stages.Count; s++)
            if (!_pools.Any(p => StageTasks(p, s).Count > 0))
                throw new FormatException($"{scenario.Path}: $.trainer.curriculum[{s}].task_pattern: '{_stages[s].TaskPattern}' matches no task of the scenario's environments");
    }

    /// <summary>Decides each environment's reward mode when set; null (default) keeps the scenario's or registry's.</summary>
    public RewardSchedule? RewardSchedule { get; init; }

    /// <summary>The judge model every episode's judged rubric components ask (the scenario's <c>"judge"</c>); null: none.</summary>
    public Forge.Core.Rewards.JudgeEndpoint? Judge { get; init; }

    /// <summary>Prefix of the group ids (training and evaluation streams don't collide).</summary>
    public string GroupPrefix { get; }

    /// <summary>The current curriculum stage (0-based).</summary>
    public int Stage { get { lock (_gate) return _stage; } }

    /// <summary>The number of stages.</summary>
    public int StageCount => _stages.Count;

    /// <summary>The next group's requests: one task, <c>group_size</c> episodes sharing a group id.</summary>
    public IReadOnlyList<EpisodeRequest> NextGroup()
    {
        lock (_gate)
        {
            var index = _groups++;
            var candidates = _pools.Where(p => StageTasks(p, _stage).Count > 0).ToList();
            var pool = candidates[(int)(index % candidates.Count)];
            var tasks = StageTasks(pool, _stage);
            var task = tasks[_random.Next(tasks.Count)];
            var groupId = $"{GroupPrefix}:{index}:{pool.Id}:{task.Id}";
            var rewardMode = RewardSchedule?.ModeOf(pool.Id) ?? pool.RewardMode;   // one mode for the whole group
            return Enumerable.Range(0, _groupSize).Select(member =>
                new EpisodeRequest($"{groupId}:{member}", pool.Id, task, EpisodeSeeds.Derive(_scenario.Seed, GroupPrefix + pool.Id, task.Id, (int)index, member), groupId)
                {
                    Limits = pool.Limits,
                    RewardMode = rewardMode,
                    TaskProvenance = pool.Provenance(task),
                    Judge = Judge,
                }).ToList();
        }
    }

    /// <summary>Counts finished episodes toward the stage's success window; returns true when the stage advanced.</summary>
    public bool Observe(IEnumerable<Trajectory> finished)
    {
        lock (_gate)
        {
            var stage = _stages[_stage];
            foreach (var t in finished)
            {
                _window.Enqueue(t.Success);
                while (_window.Count > stage.Window) _window.Dequeue();
            }
            if (stage.AdvanceAt is not { } threshold || _stage == _stages.Count - 1 || _window.Count < stage.Window) return false;
            if (_window.Count(s => s) < threshold * _window.Count) return false;
            _stage++;
            _window.Clear();
            return true;
        }
    }

    private IReadOnlyList<IEnvironmentTask> StageTasks(Pool pool, int stage) =>
        pool.ByStage.TryGetValue(stage, out var cached) ? cached : pool.ByStage[stage] = Filter(pool.Tasks, _stages[stage].TaskPattern);

    private static List<IEnvironmentTask> Filter(IReadOnlyList<IEnvironmentTask> tasks, string pattern) =>
        string.IsNullOrEmpty(pattern) ? [.. tasks] : [.. tasks.Where(t => Regex.IsMatch(t.Id, pattern, RegexOptions.CultureInvariant))];

    private sealed record Pool(string Id, IReadOnlyList<IEnvironmentTask> Tasks, EpisodeLimits Limits, RewardMode RewardMode, Func<IEnvironmentTask, TaskProvenance> Provenance)
    {
        public Dictionary<int, IReadOnlyList<IEnvironmentTask>> ByStage { get; } = [];
    }
}
