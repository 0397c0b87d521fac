using Forge.Core;
using Forge.Training.Rl;

namespace Forge.Training.Pipeline;

/// <summary>
/// The training reward mode of each environment under a <see cref="RewardScheduleOptions"/>: every environment starts in
/// <see cref="RewardScheduleOptions.Start"/> and switches to <see cref="RewardMode.Graded"/>, for good, once its success
/// rate over the scored episodes of its last <see cref="GradedAfterOptions.Window"/> updates reaches the threshold.
/// <see cref="TaskStream"/> stamps the mode on each group's requests, so the episodes carry it into their trajectories.
/// </summary>
public sealed class RewardSchedule
{
    private readonly GradedAfterOptions? _switch;
    private readonly Dictionary<string, RewardMode> _modes;
    private readonly Dictionary<string, Queue<(int Solved, int Scored)>> _windows;
    private readonly Lock _gate = new();

    /// <summary>A schedule for <paramref name="environments"/>, all in the start mode.</summary>
    public RewardSchedule(RewardScheduleOptions options, IEnumerable<string> environments)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environments);
        _switch = options.GradedAfter;
        var ids = environments.Distinct(StringComparer.Ordinal).ToList();
        _modes = ids.ToDictionary(id => id, _ => options.Start, StringComparer.Ordinal);
        _windows = ids.ToDictionary(id => id, _ => new Queue<(int, int)>(), StringComparer.Ordinal);
    }

    /// <summary>The mode <paramref name="environmentId"/>'s next episodes are scored in.</summary>
    public RewardMode ModeOf(string environmentId)
    {
        lock (_gate) return _modes.TryGetValue(environmentId, out var mode) ? mode : throw new ArgumentException($"{environmentId} is not scheduled.", nameof(environmentId));
    }

    /// <summary>Every environment's current mode.</summary>
    public IReadOnlyDictionary<string, RewardMode> Modes
    {
        get { lock (_gate) return new Dictionary<string, RewardMode>(_modes, StringComparer.Ordinal); }
    }

    /// <summary>Counts one update's episodes (errored ones are not scored and don't count); returns the environments that switched to graded.</summary>
    public IReadOnlyList<string> Observe(IReadOnlyCollection<Trajectory> update)
    {
        ArgumentNullException.ThrowIfNull(update);
        var switched = new List<string>();
        if (_switch is not { } at) return switched;
        lock (_gate)
        {
            foreach (var byEnvironment in update.Where(t => t.Termination != Termination.Errored).GroupBy(t => t.EnvironmentId))
            {
                var id = byEnvironment.Key;
                if (!_modes.TryGetValue(id, out var mode) || mode == RewardMode.Graded) continue;
                var window = _windows[id];
                window.Enqueue((byEnvironment.Count(t => t.Success), byEnvironment.Count()));
                while (window.Count > at.Window) window.Dequeue();
                if (window.Count < at.Window || window.Sum(w => w.Solved) < at.SuccessRate * window.Sum(w => w.Scored)) continue;
                _modes[id] = RewardMode.Graded;
                window.Clear();
                switched.Add(id);
            }
        }
        return switched;
    }
}
