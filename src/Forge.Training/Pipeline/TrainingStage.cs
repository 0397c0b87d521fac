using Forge.Core;
using Forge.Host;
using Forge.Host.Registry;
using Forge.Host.Scenarios;
using Forge.Training.Rl;

namespace Forge.Training.Pipeline;

/// <summary>
/// Training as a stage of another command: <c>forge run</c> calls it after a scenario's episodes when the scenario has a
/// <c>trainer</c> section, so that one command shows the whole loop — episodes → trajectories → updates.
/// </summary>
public static class TrainingStage
{
    /// <summary>
    /// Trains on <paramref name="scenario"/>'s environments with its <c>trainer</c> section, writing into
    /// <c><paramref name="outputDirectory"/>/train</c>; <paramref name="rollouts"/>, when given, runs the episodes elsewhere
    /// (<see cref="TrainingSetup.Rollouts"/>: a cluster's workers). Throws <see cref="FormatException"/> when the scenario has
    /// no trainer section or the section is invalid.
    /// </summary>
    public static Task<TrainingResult> RunAsync(Scenario scenario, EnvironmentRegistry registry, string outputDirectory, string device = "auto",
        Action<UpdateMetrics>? onRow = null, Action<string>? onNews = null, Func<IAgent, string, IRolloutRunner>? rollouts = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        if (scenario.Trainer is null) throw new FormatException($"{scenario.Path}: $.trainer: the scenario has no trainer section.");
        return TrainingRun.RunAsync(new TrainingSetup
        {
            Scenario = scenario,
            Registry = registry,
            Options = TrainerOptions.FromJson(scenario.Trainer, scenario.Path),
            OutputDirectory = Path.Combine(outputDirectory, "train"),
            Device = device,
            OnRow = onRow,
            OnNews = onNews,
            Rollouts = rollouts,
        }, cancellationToken);
    }
}
