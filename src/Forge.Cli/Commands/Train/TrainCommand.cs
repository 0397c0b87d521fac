using System.ComponentModel;
using Forge.Cli.Commands.Run;
using Forge.Host.Registry;
using Forge.Host.Scenarios;
using Forge.Training.Pipeline;
using Forge.Training.Rl;
using Forge.Cli.Commands.Cluster;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Train;

/// <summary><c>forge train SCENARIO</c>: trains the local policy on the scenario's environments (its <c>trainer</c> section).</summary>
internal sealed class TrainCommand : AsyncCommand<TrainCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<SCENARIO>")]
        [Description("The scenario file (environments, group size, concurrency, and a \"trainer\" section).")]
        public string Scenario { get; init; } = "";

        [CommandOption("--out <DIR>")]
        [Description("Output directory (checkpoints, metrics.csv, tensorboard/, reward-curve.png, trajectories). Default: the scenario's output.")]
        public string? Out { get; init; }

        [CommandOption("--resume <CHECKPOINT>")]
        [Description("Resume from a checkpoint directory (weights, optimizer state, policy version).")]
        public string? Resume { get; init; }

        [CommandOption("--device <DEVICE>")]
        [Description("auto (CUDA when present), cpu, cuda or cuda:N. Default auto.")]
        public string Device { get; init; } = "auto";

        [CommandOption("--model <DIR>")]
        [Description("Start from this Hugging Face model folder (weights, tokenizer, chat template) instead of the scenario's trainer.model.")]
        public string? Model { get; init; }

        [CommandOption("--updates <N>")]
        [Description("Override the trainer's number of updates.")]
        public int? Updates { get; init; }

        [CommandOption("--registry <FILE>")]
        [Description("The environment registry. Default: ./environments.json, else the one shipped with forge.")]
        public string? Registry { get; init; }

        [CommandOption("--threads <N>")]
        [Description("TorchSharp CPU threads. Default: TorchSharp's (the number of cores).")]
        public int? Threads { get; init; }

        [CommandOption("--cluster <FILE>")]
        [Description("Run the rollouts on a cluster's workers (a cluster file, or `localhost`; overrides the scenario's \"cluster\" section); the policy stays here and plays every turn.")]
        public string? Cluster { get; init; }

        [CommandOption("--json")]
        [Description("Print the result as JSON (success before, after the warm start and after training; no live view).")]
        public bool Json { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        TrainingSetups.SetThreads(settings.Threads);
        if (Scenario.Load(settings.Scenario) is { Agent.Type: "agent-program" } programs)
            return await AgentProgramTrain.RunAsync(settings, programs, cancellationToken);
        var setup = TrainingSetups.Create(settings.Scenario, settings.Registry, settings.Out, settings.Device, settings.Resume, settings.Model,
            options => { if (settings.Updates is { } n) options.Updates = n >= 0 ? n : throw new ArgumentException($"--updates must be ≥ 0 (got {n})."); },
            liveView: !settings.Json);
        using var stop = StopSignals.Watch(cancellationToken, "stopping; the training run ends and removes its sandboxes");
        Forge.Cluster.Dispatch.ClusterConnection? cluster = null;
        if (ClusterRun.OptionsFor(setup.Scenario, settings.Cluster) is { } clusterOptions)
            (cluster, setup.Rollouts) = await ClusterRun.ForTrainingAsync(clusterOptions, setup.Scenario, stop.Token);
        await using var _ = cluster;
        var result = await TrainingRun.RunAsync(setup, stop.Token);
        if (settings.Json) JsonOutput.Write(TrainingConsole.Json(result, Path.GetFullPath(setup.OutputDirectory)));
        else TrainingConsole.Summary(result, setup.OutputDirectory);
        return 0;
    }
}

/// <summary>Builds a <see cref="TrainingSetup"/> from command-line arguments.</summary>
internal static class TrainingSetups
{
    public static void SetThreads(int? threads)
    {
        if (threads is not { } n) return;
        if (n < 1) throw new ArgumentException($"--threads must be ≥ 1 (got {n}).");
        TorchSharp.torch.set_num_threads(n);
    }

    public static TrainingSetup Create(string scenarioPath, string? registryPath, string? output, string device, string? resume, string? model,
        Action<TrainerOptions>? adjust = null, bool liveView = true)
    {
        var scenario = Scenario.Load(scenarioPath);
        var registry = EnvironmentRegistry.Load(registryPath ?? EnvironmentRegistry.DefaultPath);
        var options = TrainerOptions.FromJson(scenario.Trainer, scenario.Path);
        adjust?.Invoke(options);
        if (model is not null)
        {
            if (!Directory.Exists(model)) throw new DirectoryNotFoundException($"--model {model}: model folder not found.");
            options.ModelFrom = Path.GetFullPath(model);
        }
        if (resume is not null && !Directory.Exists(resume)) throw new DirectoryNotFoundException($"Checkpoint {resume} doesn't exist.");
        var updates = options.Updates;
        return new TrainingSetup
        {
            Scenario = scenario,
            Registry = registry,
            Options = options,
            OutputDirectory = output ?? scenario.Output,
            Device = device,
            Resume = resume,
            OnRow = liveView ? row => TrainingConsole.Row(row, updates) : null,
            OnNews = liveView ? TrainingConsole.News : null,
        };
    }
}
