using Forge.Core;
using Forge.Host;
using Forge.Host.Registry;
using Forge.Host.Scenarios;
using Forge.Training.Rl;

namespace Forge.Training.Pipeline;

/// <summary>Everything a training run needs: the scenario, the registry, the trainer options and where outputs go.</summary>
public sealed class TrainingSetup
{
    /// <summary>The scenario (environments, seed, group size, concurrency, limits).</summary>
    public required Scenario Scenario { get; init; }

    /// <summary>The environment registry.</summary>
    public required EnvironmentRegistry Registry { get; init; }

    /// <summary>The trainer options (the scenario's <c>trainer</c> section).</summary>
    public required TrainerOptions Options { get; init; }

    /// <summary>Where checkpoints, metrics, TensorBoard events, the curve and trajectories go.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary><c>auto</c>, <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>A checkpoint directory to resume from (weights, optimizer, policy version); null starts fresh.</summary>
    public string? Resume { get; init; }

    /// <summary>Write TensorBoard event files (default true).</summary>
    public bool TensorBoard { get; init; } = true;

    /// <summary>Sinks that also receive every evaluation episode's trajectory (<c>forge eval</c> scores them).</summary>
    public IReadOnlyList<ITrajectorySink> EvalSinks { get; init; } = [];

    /// <summary>Called after every metrics row (the live console view).</summary>
    public Action<UpdateMetrics>? OnRow { get; init; }

    /// <summary>Called with one line of news (phase changes, curriculum stages, checkpoints).</summary>
    public Action<string>? OnNews { get; init; }

    /// <summary>
    /// Where rollouts run, given the acting agent and the run id: null runs them in this process (<see cref="RolloutEngine"/>);
    /// a cluster dispatcher runs them on workers that ask this process for every turn, so the policy stays here.
    /// </summary>
    public Func<IAgent, string, IRolloutRunner>? Rollouts { get; set; }

    /// <summary>
    /// The served policy the episodes call instead of an in-process policy agent (agent programs); null acts in process.
    /// The run keeps it in step with the trainer's weights. A scripted warm start still runs through <see cref="Rollouts"/>.
    /// </summary>
    public IPolicyServer? PolicyServer { get; set; }
}

/// <summary>What a training run did.</summary>
/// <param name="Rows">Every metrics row.</param>
/// <param name="FinalCheckpoint">The checkpoint saved at the end.</param>
/// <param name="SuccessBefore">Evaluation success rate before any training (null when evaluation is off).</param>
/// <param name="SuccessAfterWarmStart">Evaluation success rate after the warm start (null without one).</param>
/// <param name="SuccessAfter">Evaluation success rate at the end.</param>
/// <param name="WallSeconds">Wall time of the whole run.</param>
/// <param name="Updates">Policy updates done.</param>
public sealed record TrainingResult(IReadOnlyList<UpdateMetrics> Rows, string FinalCheckpoint, double? SuccessBefore, double? SuccessAfterWarmStart,
    double? SuccessAfter, double WallSeconds, int Updates);
