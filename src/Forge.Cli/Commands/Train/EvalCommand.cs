using System.ComponentModel;
using Forge.Training.Pipeline;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Train;

/// <summary><c>forge eval SCENARIO --checkpoint CKPT</c>: scores a checkpoint on the scenario's environments without training.</summary>
internal sealed class EvalCommand : AsyncCommand<EvalCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<SCENARIO>")]
        [Description("The scenario file.")]
        public string Scenario { get; init; } = "";

        [CommandOption("--checkpoint <CHECKPOINT>")]
        [Description("The checkpoint directory to score (this or --model).")]
        public string Checkpoint { get; init; } = "";

        [CommandOption("--model <DIR>")]
        [Description("A Hugging Face model folder to score as it is (weights, tokenizer, chat template), instead of a checkpoint.")]
        public string? Model { get; init; }

        [CommandOption("--episodes <N>")]
        [Description("Episodes to score. Default: the trainer's eval_episodes.")]
        public int? Episodes { get; init; }

        [CommandOption("--out <DIR>")]
        [Description("Where metrics.csv and the trajectories go. Default: <scenario output>/eval.")]
        public string? Out { get; init; }

        [CommandOption("--device <DEVICE>")]
        [Description("auto, cpu, cuda or cuda:N. Default auto.")]
        public string Device { get; init; } = "auto";

        [CommandOption("--registry <FILE>")]
        [Description("The environment registry.")]
        public string? Registry { get; init; }

        public override ValidationResult Validate() =>
            string.IsNullOrEmpty(Checkpoint) == string.IsNullOrEmpty(Model) ? ValidationResult.Error("give --checkpoint CKPT or --model DIR (one of them).") : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var checkpoint = string.IsNullOrEmpty(settings.Checkpoint) ? null : settings.Checkpoint;
        var setup = TrainingSetups.Create(settings.Scenario, settings.Registry, settings.Out, settings.Device, checkpoint, settings.Model, options =>
        {
            if (settings.Episodes is { } n) options.EvalEpisodes = n >= 1 ? n : throw new ArgumentException($"--episodes must be ≥ 1 (got {n}).");
            options.EvalEpisodes = Math.Max(1, options.EvalEpisodes);
        });
        var output = settings.Out ?? Path.Combine(setup.OutputDirectory, "eval");
        using var stop = StopSignals.Watch(cancellationToken, "stopping; the evaluation ends and removes its sandboxes");
        var row = await TrainingRun.EvaluateAsync(new TrainingSetup
        {
            Scenario = setup.Scenario, Registry = setup.Registry, Options = setup.Options, OutputDirectory = output,
            Device = setup.Device, Resume = setup.Resume, TensorBoard = false,
        }, stop.Token);

        var table = new Table().AddColumns("environment", "episodes", "success rate", "mean reward");
        foreach (var (env, s) in row.PerEnvironment) table.AddRow(env, "", $"{s.Success:0.00}", $"{s.Mean:0.00} ± {s.Std:0.00}");
        table.AddRow("[bold]all[/]", row.Episodes.ToString(), $"[bold]{row.SuccessRate:0.00}[/]", $"{row.RewardMean:0.00} ± {row.RewardStd:0.00}");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"[grey]{(checkpoint is null ? "model" : "checkpoint")} {Markup.Escape(checkpoint ?? settings.Model!)} (policy version {row.PolicyVersion}); trajectories and metrics in {Markup.Escape(output)}[/]");
        return 0;
    }
}
