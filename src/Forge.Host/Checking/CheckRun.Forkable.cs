using System.Reflection;
using Forge.Core;
using Forge.Host.Replay;
using Microsoft.Extensions.Logging.Abstractions;

namespace Forge.Host.Checking;

// Replay: an episode's state must be restorable by re-executing its recorded actions.
internal sealed partial class CheckRun
{
    /// <summary>How far ahead the re-execution's clock runs: far enough that anything read from the clock differs.</summary>
    private static readonly TimeSpan ClockShift = TimeSpan.FromHours(25) + TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1);

    private async Task<string> CheckForkableAsync()
    {
        if (environment.EnvironmentType.GetCustomAttribute<NotForkableAttribute>() is { } marked)
            throw new CheckSkipped($"not forkable: {marked.Reason} ([NotForkable]); replay can't rerun or fork its episodes");
        var agent = Agents()[0];
        var (seed, task) = Episodes()[0];
        await using var first = NewInstance();
        var recorded = (await PlayAsync(first, seed, task, agent).ConfigureAwait(false)).Trajectory;
        await using var second = NewInstance();
        var later = new EpisodeRunner(options.Sandboxes, new ShiftedClock(ClockShift), NullLogger.Instance, "check");
        var actions = EpisodeRerun.Actions(recorded, recorded.Steps.Count, "forge/check-rerun");
        var rerun = (await RunAsync(second, seed, task, actions, runner: later).ConfigureAwait(false)).Trajectory;
        if (TrajectoryDiff.FirstDifference(recorded, rerun) is { } divergence)
            throw new CheckFailure($"not forkable: re-executing the {Plural(recorded.Steps.Count, "recorded action")} of {Label(recorded)} on a fresh instance, " +
                $"with the episode's clock {ClockShift.TotalHours:0.#} h later, differs at {Printable(divergence)}. Replay restores an episode's state by re-executing its actions; " +
                "state that depends on the clock or an outside service can't be restored that way. Make it depend only on the seed and the actions, or mark the class [NotForkable(\"why\")]");
        return $"re-executing the {Plural(recorded.Steps.Count, "recorded action")} of an episode with {agent.Id} on a fresh instance (clock a day later) reproduced it: its episodes can be rerun and forked";
    }

    private static string Label(Trajectory t) => $"seed {t.Seed}, task '{t.TaskId}' ({t.AgentId})";

    /// <summary>The system clock moved by a fixed offset: wall-clock time reads differently, timers run as usual.</summary>
    private sealed class ShiftedClock(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
    }
}
