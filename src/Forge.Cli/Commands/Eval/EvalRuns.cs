using System.Diagnostics;
using Forge.Cli.Commands.Run;
using Forge.Cli.Commands.Train;
using Forge.Core;
using Forge.Host;
using Forge.Host.Evaluation;
using Forge.Host.Recording;
using Forge.Host.Registry;
using Forge.Host.Scenarios;
using Forge.Training.Pipeline;

namespace Forge.Cli.Commands.Eval;

/// <summary>One scored run: where it came from, its episodes' trajectories and their report.</summary>
/// <param name="Source">The scenario file or trajectory log.</param>
/// <param name="Trajectories">The log the episodes were recorded to (or read from).</param>
/// <param name="Episodes">Every trajectory of the run.</param>
/// <param name="Report">The scores.</param>
internal sealed record EvalRun(string Source, string Trajectories, IReadOnlyList<Trajectory> Episodes, EvalReport Report);

/// <summary>
/// Runs a scenario with whatever agent it names — scripted, noisy, semantic-kernel, the local policy (a checkpoint or a
/// Hugging Face model), an agent program — through the one episode driver, or reads a recorded run's log, and scores it.
/// </summary>
internal static class EvalRuns
{
    /// <summary>A trajectory log (<c>*.forge</c>, or a folder holding <c>trajectories.forge</c>) is read and its last run scored; anything else is a scenario to run.</summary>
    public static async Task<EvalRun> ScoreAsync(string source, EvalCommand.Settings settings, bool scoreOnly, CancellationToken cancellationToken)
    {
        if (LogPath(source) is { } log) return FromLog(source, log);
        var scenario = Scenario.Load(source);
        var registry = EnvironmentRegistry.Load(settings.Registry ?? EnvironmentRegistry.DefaultPath);
        var output = Path.GetFullPath(settings.Out is { } o ? (scoreOnly ? Path.Combine(o, "compare") : o) : Path.Combine(scenario.Output, "eval"));
        var episodes = new ListSink();
        var clock = Stopwatch.StartNew();
        string recorded;
        var isPolicy = scenario.Agent.Type == "policy" || settings.Checkpoint is { Length: > 0 } || settings.Model is not null;
        if (settings.Episodes is not null && !isPolicy)
            throw new ArgumentException($"--episodes applies to the local policy; {scenario.Path} runs the `{scenario.Agent.Type}` agent on its episodes_per_task.");
        if (isPolicy) recorded = await PolicyAsync(scenario, source, settings, output, episodes, cancellationToken);
        else
        {
            await using var recorder = new TrajectoryRecorder(output);
            var requests = ScenarioJudge.Attach(scenario, scenario.ExpandRequests(registry));
            if (scenario.Agent.Type == "agent-program")
                await AgentProgramRun.ServeAndRunAsync(scenario, registry, requests, [recorder, episodes], say: null, cancellationToken);
            else
            {
                var agent = AgentFactory.Create(scenario, registry);
                using var disposable = agent as IDisposable;
                await using var sandboxes = scenario.CreateSandboxes(registry);
                var engine = new RolloutEngine(new RolloutOptions { Concurrency = scenario.Concurrency, AgentRetries = scenario.AgentRetries },
                    id => registry.Get(id).Create(), agent, sandboxes);
                await engine.RunAsync(requests, [recorder, episodes], cancellationToken);
            }
            await recorder.CompleteAsync(cancellationToken);
            recorded = recorder.Path;
        }
        var trajectories = episodes.Trajectories;
        return new EvalRun(scenario.Path, recorded, trajectories, EvalReport.Score(trajectories, clock.Elapsed.TotalSeconds));
    }

    // The local policy plays in the trainer's evaluation phase (its episodes are recorded under OUT).
    private static async Task<string> PolicyAsync(Scenario scenario, string source, EvalCommand.Settings settings, string output, ListSink episodes, CancellationToken cancellationToken)
    {
        var checkpoint = settings.Checkpoint is { Length: > 0 } c ? c : null;
        if (checkpoint is null && settings.Model is null)
            throw new ArgumentException($"{scenario.Path}: $.agent.type: the `policy` agent needs weights to score; give --checkpoint CKPT or --model DIR.");
        var setup = TrainingSetups.Create(source, settings.Registry, output, settings.Device, checkpoint, settings.Model, options =>
        {
            if (settings.Episodes is { } n) options.EvalEpisodes = n >= 1 ? n : throw new ArgumentException($"--episodes must be ≥ 1 (got {n}).");
            options.EvalEpisodes = Math.Max(1, options.EvalEpisodes);
        }, liveView: false);
        await TrainingRun.EvaluateAsync(new TrainingSetup
        {
            Scenario = setup.Scenario, Registry = setup.Registry, Options = setup.Options, OutputDirectory = output,
            Device = setup.Device, Resume = setup.Resume, TensorBoard = false, EvalSinks = [episodes],
        }, cancellationToken);
        return Path.Combine(output, TrajectoryRecorder.DefaultFileName);
    }

    private static string? LogPath(string source)
    {
        if (source.EndsWith(".forge", StringComparison.OrdinalIgnoreCase)) return source;
        var inFolder = Path.Combine(source, TrajectoryRecorder.DefaultFileName);
        return Directory.Exists(source) && File.Exists(inFolder) ? inFolder : null;
    }

    // A log that several runs appended to is scored on its last run (the trajectories that share the last one's run id).
    private static EvalRun FromLog(string source, string log)
    {
        var file = TrajectoryReader.Read(log);
        if (file.Trajectories.Count == 0) throw new InvalidDataException($"{log}: no readable trajectories to score.");
        var runId = file.Trajectories[^1].RunId;
        var runs = file.Trajectories.Select(t => t.RunId).Distinct().Count();
        var episodes = file.Trajectories.Where(t => t.RunId == runId).ToList();
        return new EvalRun(runs == 1 ? source : $"{source} (run {runId}, the last of {runs})", log, episodes, EvalReport.Score(episodes));
    }
}
