using System.ComponentModel;
using Forge.Core;
using Forge.Host;
using Forge.Host.Recording;
using Forge.Host.Registry;
using Forge.Host.Scenarios;
using Forge.Cli.Commands.Cluster;
using Forge.Cluster;
using Forge.Cli.Commands.Train;
using Forge.Training.Pipeline;
using Forge.Training.Rl;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Run;

/// <summary>
/// <c>forge run SCENARIO</c>: runs a scenario's episodes, records every trajectory, shows progress and ends with a
/// summary. A run on an output folder that already holds some of its episodes resumes: those are not run again.
/// Exit 0 when it ran (however the episodes scored), 2 when the scenario could not run, 1 when trajectories
/// could not all be recorded, 130 when cancelled (the episodes that finished are recorded).
/// </summary>
internal sealed class RunCommand : AsyncCommand<RunCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<SCENARIO>")]
        [Description("The scenario file (scenarios/*.json).")]
        public string Scenario { get; init; } = "";

        [CommandOption("--out <DIR>")]
        [Description("Where to write trajectories.forge (default: the scenario's \"output\", else runs/NAME).")]
        public string? Out { get; init; }

        [CommandOption("--json")]
        [Description("Print the summary as JSON (no progress bar).")]
        public bool Json { get; init; }

        [CommandOption("--concurrency <N>")]
        [Description("Episodes at once (overrides the scenario).")]
        public int? Concurrency { get; init; }

        [CommandOption("--cluster <FILE>")]
        [Description("Run the episodes on a cluster's workers: a cluster file, or `localhost` (overrides the scenario's \"cluster\" section).")]
        public string? Cluster { get; init; }

        [CommandOption("--agent-at-driver")]
        [Description("With a cluster: the agent acts in this process and workers ask it for every turn (as the local policy does in training).")]
        public bool AgentAtDriver { get; init; }

        [CommandOption("--seed <N>")]
        [Description("The scenario seed (overrides the scenario): every episode seed and, without its own seed, the trainer's. The tasks stay those the file's seed selects.")]
        public int? Seed { get; init; }

        public override ValidationResult Validate() =>
            Concurrency is < 1 or > 100_000 ? ValidationResult.Error("--concurrency must be between 1 and 100000") : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var scenario = Scenario.Load(settings.Scenario);
        scenario = scenario with
        {
            Seed = settings.Seed ?? scenario.Seed,
            TaskSeed = scenario.TaskSetSeed,   // --seed changes the episodes, not which tasks the file selects
            Concurrency = settings.Concurrency ?? scenario.Concurrency,
        };
        var registry = EnvironmentRegistry.LoadDefault();
        if (scenario.Agent.Type == "agent-program" && (settings.Cluster is not null || scenario.Cluster is not null))
            throw new ArgumentException(settings.Cluster is not null
                ? $"--cluster {settings.Cluster}: agent-program episodes run in this process, beside the policy they are served; run {settings.Scenario} without --cluster."
                : $"{scenario.Path}: $.cluster: agent-program episodes run in this process, beside the policy they are served; remove the cluster section.");
        if (scenario.Agent.Type == "policy") return await RunPolicyAsync(scenario, registry, settings, cancellationToken);
        if (scenario.Agent.Type == "agent-program") return await AgentProgramRun.RunAsync(scenario, registry, settings.Out, settings.Json, cancellationToken);
        var clusterOptions = ClusterRun.OptionsFor(scenario, settings.Cluster);
        // On a cluster the requests name the judge, and each worker asks it through a connection of its own.
        var requests = ScenarioJudge.Attach(scenario, scenario.ExpandRequests(registry));
        var agent = AgentFactory.Create(scenario, registry);
        // Before anything is written: a backend that can't run here stops the run. On a cluster, the workers make the sandboxes.
        await using var sandboxes = clusterOptions is null ? scenario.CreateSandboxes(registry) : null;
        var output = Path.GetFullPath(settings.Out ?? scenario.Output);
        var resume = Resume.Prepare(output, requests);
        requests = resume.Remaining;

        using var stop = StopSignals.Watch(cancellationToken, "stopping; running episodes are recorded as cancelled");
        await using var recorder = new TrajectoryRecorder(output);
        var errored = new ErroredEpisodes(RunDisplay.ErrorsShown);
        var progress = new ProgressSink();
        var options = new RolloutOptions { Concurrency = scenario.Concurrency, AgentRetries = scenario.AgentRetries };
        // With a cluster, the workers run the episodes (and build the agent and sandboxes, and ask the judge); this process records them.
        await using var cluster = clusterOptions is null ? null : await ClusterRun.StartAsync(clusterOptions, scenario, options.RunId, settings.AgentAtDriver ? agent : null, stop.Token);
        IRolloutRunner engine = cluster is not null ? cluster.Dispatcher : new RolloutEngine(options, id => registry.Get(id).Create(), agent, sandboxes);
        var run = engine.RunAsync(requests, [recorder, progress, errored], 2 * scenario.Concurrency, stop.Token);
        var summary = settings.Json ? await run : await RunDisplay.FollowAsync(run, progress, requests.Count, scenario.Name);
        if (sandboxes is not null) await sandboxes.DisposeAsync();   // done with them: a training stage makes its own
        if (!settings.Json) RunDisplay.PrintSummary(scenario.Name, summary, errored, recorder.Path);

        // With a "trainer" section the run goes on into the learning loop: policy episodes → trajectories → updates.
        TrainingResult? training = null;
        if (scenario.Trainer is not null && !summary.Cancelled && summary.SinkErrors.Count == 0)
            training = await TrainAsync(scenario, registry, output, settings.Json, clusterOptions, stop.Token);

        if (settings.Json)
            JsonOutput.Write(new
            {
                scenario = scenario.Name, scenario_path = scenario.Path, seed = scenario.Seed, trajectories = recorder.Path, summary,
                resumed = resume.Json,
                workers = cluster?.Dispatcher.Workers,
                training = training is null ? null : TrainingJson(training, output),
            });

        if (summary.SinkErrors.Count > 0) return 1;
        return summary.Cancelled || stop.IsCancellationRequested ? 130 : 0;
    }

    /// <summary>
    /// The local policy plays inside the learning loop: its episodes are the trainer's rollouts (recorded under
    /// <c>OUT/train</c>), so a scenario whose agent is <c>policy</c> runs as its trainer section says.
    /// </summary>
    private static async Task<int> RunPolicyAsync(Scenario scenario, EnvironmentRegistry registry, Settings settings, CancellationToken cancellationToken)
    {
        if (scenario.Trainer is null)
            throw new ArgumentException($"{scenario.Path}: $.agent.type: the `policy` agent plays inside the learning loop; give the scenario a \"trainer\" section, or score a checkpoint with forge eval.");
        var output = Path.GetFullPath(settings.Out ?? scenario.Output);
        using var stop = StopSignals.Watch(cancellationToken, "stopping; the training run ends and removes its sandboxes");
        var training = await TrainAsync(scenario, registry, output, settings.Json, ClusterRun.OptionsFor(scenario, settings.Cluster), stop.Token);
        if (settings.Json)
            JsonOutput.Write(new
            {
                scenario = scenario.Name, scenario_path = scenario.Path, seed = scenario.Seed,
                training = TrainingJson(training, output),
            });
        return stop.IsCancellationRequested ? 130 : 0;
    }

    private static object TrainingJson(TrainingResult training, string output) => TrainingConsole.Json(training, Path.Combine(output, "train"));

    // The learning loop of a run; with a cluster, its rollouts run on the workers and the policy plays every turn here (as forge train --cluster).
    private static async Task<TrainingResult> TrainAsync(Scenario scenario, EnvironmentRegistry registry, string output, bool json, ClusterOptions? cluster, CancellationToken cancellationToken)
    {
        var updates = TrainerOptions.FromJson(scenario.Trainer, scenario.Path).Updates;
        if (!json) AnsiConsole.MarkupLine($"[bold]training[/] the local policy for {updates} updates (the scenario's trainer section{(cluster is null ? "" : ", rollouts on the cluster's workers")}) → {Markup.Escape(Path.Combine(output, "train"))}");
        (Forge.Cluster.Dispatch.ClusterConnection? Connection, Func<IAgent, string, IRolloutRunner>? Rollouts) onCluster =
            cluster is null ? (null, null) : await ClusterRun.ForTrainingAsync(cluster, scenario, cancellationToken);
        await using var _ = onCluster.Connection;
        var rollouts = onCluster.Rollouts;
        var result = await TrainingStage.RunAsync(scenario, registry, output, "auto",
            json ? null : row => TrainingConsole.Row(row, updates), json ? null : TrainingConsole.News, rollouts, cancellationToken);
        if (!json) TrainingConsole.Summary(result, Path.Combine(output, "train"));
        return result;
    }
}
