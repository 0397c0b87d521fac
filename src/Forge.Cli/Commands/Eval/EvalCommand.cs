using System.ComponentModel;
using Forge.Cli.Commands.Run;
using Forge.Host.Evaluation;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Eval;

/// <summary>
/// <c>forge eval SCENARIO [--compare OTHER] [--json]</c>: runs the scenario with whatever agent it names (or reads a recorded
/// run's log) and reports, per environment, success, pass@k, mean reward with its 95 % interval, reward by rubric component,
/// terminations, errors, tokens and time; with <c>--compare</c>, how another scenario or log differs on the same tasks and seeds.
/// </summary>
internal sealed class EvalCommand : AsyncCommand<EvalCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<SCENARIO>")]
        [Description("The scenario file, or a recorded run's trajectories.forge (or its folder) to score as it is.")]
        public string Scenario { get; init; } = "";

        [CommandOption("--compare <OTHER>")]
        [Description("Another scenario or trajectory log to score and compare with, environment by environment.")]
        public string? Compare { get; init; }

        [CommandOption("--json")]
        [Description("Print the report (and the comparison) as JSON.")]
        public bool Json { get; init; }

        [CommandOption("--checkpoint <CHECKPOINT>")]
        [Description("Score the local policy from this checkpoint (for a scenario whose agent is `policy`, or instead of its agent).")]
        public string Checkpoint { get; init; } = "";

        [CommandOption("--model <DIR>")]
        [Description("Score the local policy from a Hugging Face model folder as it is (weights, tokenizer, chat template).")]
        public string? Model { get; init; }

        [CommandOption("--episodes <N>")]
        [Description("Episodes the local policy plays. Default: the trainer's eval_episodes.")]
        public int? Episodes { get; init; }

        [CommandOption("--out <DIR>")]
        [Description("Where the trajectories go (a compared scenario's under DIR/compare). Default: <scenario output>/eval.")]
        public string? Out { get; init; }

        [CommandOption("--device <DEVICE>")]
        [Description("For the local policy: auto, cpu, cuda or cuda:N. Default auto.")]
        public string Device { get; init; } = "auto";

        [CommandOption("--registry <FILE>")]
        [Description("The environment registry.")]
        public string? Registry { get; init; }

        public override ValidationResult Validate() =>
            !string.IsNullOrEmpty(Checkpoint) && Model is not null ? ValidationResult.Error("give --checkpoint CKPT or --model DIR, not both.") : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var stop = StopSignals.Watch(cancellationToken, "stopping; the evaluation ends and removes its sandboxes");
        var run = await EvalRuns.ScoreAsync(settings.Scenario, settings, scoreOnly: false, stop.Token);
        EvalRun? other = settings.Compare is { } compare ? await EvalRuns.ScoreAsync(compare, settings, scoreOnly: true, stop.Token) : null;
        var differences = other is null ? null : EvalComparison.Compare(run.Report, run.Episodes, other.Report, other.Episodes);
        if (settings.Json)
            JsonOutput.Write(new
            {
                source = run.Source, trajectories = run.Trajectories, report = run.Report,
                compare = other is null ? null : new { source = other.Source, trajectories = other.Trajectories, report = other.Report, differences },
            });
        else
        {
            EvalConsole.Report(run);
            if (other is not null) EvalConsole.Comparison(run, other, differences!);
        }
        return stop.IsCancellationRequested ? 130 : 0;
    }
}
