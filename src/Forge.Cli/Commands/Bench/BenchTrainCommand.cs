using System.ComponentModel;
using Forge.Cli.Commands.Run;
using Forge.Training.Benchmarks;
using Forge.Training.Devices;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;

namespace Forge.Cli.Commands.Bench;

/// <summary>
/// <c>forge bench train</c>: training and generation throughput of the TorchSharp policy at two model sizes, each
/// beside its baseline measured in the same run (bare TorchSharp training loop; generation without KV cache); then the
/// wall time of the same policy updates with synchronous and asynchronous rollouts (<see cref="RolloutModeBenchmark"/>);
/// then the RL trainer's step in each <see cref="TrainerVariant"/> (LoRA, bf16, activation checkpointing) beside full fp32.
/// </summary>
internal sealed class BenchTrainCommand : AsyncCommand<BenchTrainCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--json")]
        [Description("Print the results as JSON.")]
        public bool Json { get; init; }

        [CommandOption("--device <DEVICE>")]
        [Description("auto (CUDA when present, else CPU), cpu, cuda or cuda:N. Default auto.")]
        public string Device { get; init; } = "auto";

        [CommandOption("--steps <N>")]
        [Description("Timed training steps of each kind per size, after one warm-up step; the median is reported. Default 5.")]
        public int Steps { get; init; } = 5;

        [CommandOption("--rl-updates <N>")]
        [Description("Policy updates per rollout mode in the sync vs async comparison; 0 leaves it out. Default 4.")]
        public int RlUpdates { get; init; } = 4;

        [CommandOption("--trainer-variants <N>")]
        [Description("Timed trainer steps per variant (full/LoRA × fp32/bf16 × checkpointing) on the larger size; 0 leaves it out. Default 3.")]
        public int TrainerVariantSteps { get; init; } = 3;

        [CommandOption("--model <DIR>")]
        [Description("A Hugging Face model folder to use as the policy in the sync vs async comparison on game/vault (instead of its 2-layer model).")]
        public string? Model { get; init; }

        [CommandOption("--registry <FILE>")]
        [Description("The environment registry (for the sync vs async comparison on game/vault).")]
        public string? Registry { get; init; }

        [CommandOption("--threads <N>")]
        [Description("CPU threads for TorchSharp (default: TorchSharp's choice).")]
        public int? Threads { get; init; }

        public override ValidationResult Validate() =>
            Steps is < 1 or > 1000 ? ValidationResult.Error("--steps must be between 1 and 1000")
            : Threads is < 1 ? ValidationResult.Error("--threads must be at least 1")
            : RlUpdates is < 0 or > 1000 ? ValidationResult.Error("--rl-updates must be between 0 and 1000")
            : TrainerVariantSteps is < 0 or > 1000 ? ValidationResult.Error("--trainer-variants must be between 0 and 1000")
            : Model is not null && RlUpdates == 0 ? ValidationResult.Error("--model is the policy of the sync vs async comparison; it needs --rl-updates ≥ 1")
            : ValidationResult.Success();
    }

    /// <summary>
    /// The step measured as "pipeline" against the bare loop. Null = Forge's own policy-gradient step
    /// (Forge.Training.Benchmarks.PolicyGradientStep); the RL trainer sets its own step here.
    /// </summary>
    internal static BenchmarkStepFactory? PipelineStep { get; set; }

    private static string? ModelFolder(string? model) =>
        model is null ? null
        : Directory.Exists(model) ? Path.GetFullPath(model)
        : throw new DirectoryNotFoundException($"--model {model}: model folder not found.");

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = DeviceSelector.Resolve(settings.Device);
        if (settings.Threads is { } threads)
            torch.set_num_threads(threads);
        var benchmark = new TrainingBenchmark(new TrainingBenchmarkOptions { Device = device, Steps = settings.Steps, PipelineStep = PipelineStep });
        var progress = settings.Json ? null : new Action<string>(line => AnsiConsole.MarkupLineInterpolated($"[grey]… {line}[/]"));
        var results = benchmark.Run(progress);
        var modes = settings.RlUpdates > 0
            ? await RolloutModeBenchmark.RunAsync(settings.Registry, settings.Device, settings.RlUpdates, progress, cancellationToken, ModelFolder(settings.Model))
            : null;
        if (settings.TrainerVariantSteps > 0) progress?.Invoke("trainer variants: full and LoRA, fp32 and bf16, with and without activation checkpointing");
        var variants = settings.TrainerVariantSteps > 0
            ? TrainerVariantBenchmark.Run(TrainingBenchmark.DefaultSizes(device.type == DeviceType.CUDA)[^1], device, settings.TrainerVariantSteps, seed: 1)
            : null;
        var deviceName = device.type == DeviceType.CUDA ? $"cuda:{device.index}" : "cpu";

        if (settings.Json)
        {
            JsonOutput.Write(new
            {
                device = deviceName,
                threads = torch.get_num_threads(),
                steps = settings.Steps,
                sizes = results.Select(r => new
                {
                    name = r.Name,
                    parameters = r.Parameters,
                    batch = r.Batch,
                    sequence_length = r.SequenceLength,
                    bare_train_tokens_per_s = r.BareTrainTokensPerSecond,
                    pipeline_train_tokens_per_s = r.PipelineTrainTokensPerSecond,
                    pipeline_overhead_ratio = r.PipelineOverheadRatio,
                    pipeline_step = r.PipelineDescription,
                    generation_batch = r.GenerationBatch,
                    prompt_length = r.PromptLength,
                    new_tokens = r.NewTokens,
                    generation_tokens_per_s = r.GenerationTokensPerSecond,
                    uncached_generation_tokens_per_s = r.UncachedGenerationTokensPerSecond,
                    bare_train_tflops = r.BareTrainTflops,
                    pipeline_train_tflops = r.PipelineTrainTflops,
                }),
                rollout_modes = modes is null ? null : RolloutModeBenchmark.ToJson(modes),
                trainer_variants = variants?.Select(v => new
                {
                    name = v.Name, trainable_parameters = v.TrainableParameters, state_mb = v.StateMegabytes,
                    seconds_per_step = v.SecondsPerStep, tokens_per_s = v.TokensPerSecond, time_ratio = v.TimeRatio,
                }),
            });
            return 0;
        }

        var cuda = device.type == DeviceType.CUDA;
        var table = new Table().Title($"forge bench train — {deviceName}, {torch.get_num_threads()} threads, {settings.Steps} timed steps")
            .AddColumns("model", "params", "batch", "bare tok/s", "pipe tok/s", "pipe/bare", "gen rows", "gen tok/s", "no-cache tok/s");
        if (cuda)
            table.AddColumns("bare TFLOP/s", "pipe TFLOP/s");
        foreach (var r in results)
        {
            string[] cells =
            [
                r.Name, $"{r.Parameters / 1e6:N2}M", $"{r.Batch}×{r.SequenceLength}",
                $"{r.BareTrainTokensPerSecond:N0}", $"{r.PipelineTrainTokensPerSecond:N0}", $"{r.PipelineOverheadRatio:N2}",
                $"{r.GenerationBatch}×({r.PromptLength}+{r.NewTokens})", $"{r.GenerationTokensPerSecond:N0}", $"{r.UncachedGenerationTokensPerSecond:N0}",
            ];
            table.AddRow(cuda ? [.. cells, $"{r.BareTrainTflops:N2}", $"{r.PipelineTrainTflops:N2}"] : cells);
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"bare = plain TorchSharp loop (cross-entropy, backward, AdamW); pipe = {results[0].PipelineDescription}.");
        AnsiConsole.MarkupLine("Training: median step time over the timed steps, bare and pipe alternating on the same batch; pipe/bare = time ratio (1.00 = no overhead).");
        AnsiConsole.MarkupLine("Generation: Generator.Generate with KV cache and sampling, vs. recomputing the whole prefix for every token; gen rows = rows × (prompt + new tokens).");
        if (modes is not null)
            AnsiConsole.Write(RolloutModeBenchmark.ToTable(modes));
        if (variants is not null)
        {
            var size = TrainingBenchmark.DefaultSizes(cuda)[^1];
            var variantTable = new Table().Title($"trainer variants — {size.Name} model, {size.Batch}×{size.SequenceLength} tokens, {settings.TrainerVariantSteps} timed steps each")
                .AddColumns("variant", "trainable", "state MB", "s/step", "tok/s", "time ×first");
            foreach (var v in variants)
                variantTable.AddRow(v.Name, $"{v.TrainableParameters:N0}", $"{v.StateMegabytes:N1}", $"{v.SecondsPerStep:N3}", $"{v.TokensPerSecond:N0}", $"{v.TimeRatio:N2}");
            AnsiConsole.Write(variantTable);
            AnsiConsole.MarkupLine("state MB = weights + fp32 masters + gradients + AdamW moments, counted from the live tensors (activations not included).");
        }
        return 0;
    }
}
