using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using Forge.Core.Configuration;
using Forge.Training.Lora;
using Forge.Training.Model;
using Forge.Training.Precision;

namespace Forge.Training.Rl;

/// <summary>What happens to episodes cut off by a limit (max turns, max new tokens, a deadline).</summary>
public enum TruncatedEpisodes
{
    /// <summary>They count in their group's baseline but their tokens are left out of the loss (DAPO's overlong filtering).</summary>
    Mask,

    /// <summary>They are trained on like any other episode.</summary>
    Keep,
}

/// <summary>Whether rollouts go on while the trainer updates.</summary>
public enum RolloutMode
{
    /// <summary>Rollouts continue during updates; new weights are swapped in between generation batches (off-policy by at most <c>max_staleness</c> versions).</summary>
    Async,

    /// <summary>Roll out one update's groups, update, repeat: exactly on-policy.</summary>
    Sync,
}

/// <summary>
/// The <c>trainer</c> section of a scenario: the policy's shape, how it samples, the GRPO-family objective, the optimizer
/// and the schedule. Every field has a default; the ranges are declared on the properties (<c>[Range]</c>), enforced by the
/// configuration reader, and <see cref="Validate"/> reports every problem at once.
/// </summary>
public sealed class TrainerOptions : IValidatableObject
{
    // ── policy ───────────────────────────────────────────────────────────────────
    /// <summary>The transformer's shape (<c>vocab_size</c> is set from the tokenizer). Default: 2 layers, d=64, 4 heads, 256 positions.</summary>
    public TransformerConfig Model { get; set; } = new() { DModel = 64, Layers = 2, Heads = 4, MaxSeqLen = 256 };

    /// <summary>
    /// <c>model.from</c>: a Hugging Face model folder to start from instead of a new model of <see cref="Model"/>'s shape — its
    /// weights, its tokenizer and its chat template (<see cref="Pipeline.PolicyFactory"/>). A relative path is taken from the
    /// scenario file's folder; <c>--model DIR</c> sets it from the command line. Null (default): a new Forge model.
    /// </summary>
    [JsonIgnore]
    public string? ModelFrom { get; set; }

    /// <summary><c>byte</c> (default, for models trained from scratch) or <c>gpt2</c>.</summary>
    [AllowedValues("byte", "gpt2")]
    public string Tokenizer { get; set; } = "byte";

    /// <summary>Whether the tool list in the prompt carries each tool's description (default false: tiny models don't read prose).</summary>
    public bool ToolDescriptions { get; set; }

    /// <summary>LoRA adapters (<c>rank</c>, <c>alpha</c>, <c>dropout</c>, <c>targets</c>): only they train, the base stays frozen. Null (default) trains every weight.</summary>
    public LoraOptions? Lora { get; set; }

    // ── precision and memory ──────────────────────────────────────────────────────
    /// <summary><c>fp32</c> (default) or <c>bf16</c> (bf16 weights and activations, fp32 master weights, optimizer state and loss).</summary>
    public TrainingPrecision Precision { get; set; } = TrainingPrecision.Fp32;

    /// <summary>Recompute each block's activations during the backward pass instead of keeping them (less memory, one more forward). Default false.</summary>
    public bool ActivationCheckpointing { get; set; }

    // ── sampling ─────────────────────────────────────────────────────────────────
    /// <summary>Sampling temperature; the trainer's log-probs use the same one. Default 1.</summary>
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double Temperature { get; set; } = 1.0;

    /// <summary>Top-p (nucleus) sampling threshold. Default 1 (off).</summary>
    [Range(0.0, 1.0, MinimumIsExclusive = true)]
    public double TopP { get; set; } = 1.0;

    /// <summary>Most tokens per assistant message. Default 24.</summary>
    [Range(1, int.MaxValue)]
    public int MaxNewTokens { get; set; } = 24;

    /// <summary>Most rows in one batched generation (requests from concurrent episodes are gathered). Default 64.</summary>
    [Range(1, int.MaxValue)]
    public int GenerationBatch { get; set; } = 64;

    /// <summary>How long the generation queue waits for more requests once it has one, in milliseconds. Default 2.</summary>
    [Range(0.0, double.MaxValue)]
    public double GenerationWindowMs { get; set; } = 2;

    // ── schedule ─────────────────────────────────────────────────────────────────
    /// <summary>Number of policy updates. Default 100.</summary>
    [Range(0, int.MaxValue)]
    public int Updates { get; set; } = 100;

    /// <summary>Groups (tasks × group_size rollouts) per update. Default 8.</summary>
    [Range(1, int.MaxValue)]
    public int GroupsPerUpdate { get; set; } = 8;

    /// <summary><c>async</c> (default) or <c>sync</c>.</summary>
    public RolloutMode Mode { get; set; } = RolloutMode.Async;

    /// <summary>Groups produced by a policy more than this many versions older than the trainer's are dropped and counted. Default 2.</summary>
    [Range(0, int.MaxValue)]
    public int MaxStaleness { get; set; } = 2;

    /// <summary>Save a checkpoint every this many updates (and at the end). Default 50; 0 saves only at the end.</summary>
    [Range(0, int.MaxValue)]
    public int CheckpointEvery { get; set; } = 50;

    /// <summary>Seed of the model's initialisation and of sampling. Default: the scenario's seed.</summary>
    public int? Seed { get; set; }

    // ── objective ────────────────────────────────────────────────────────────────
    /// <summary><c>grpo</c> (group mean baseline, default) or <c>rloo</c> (leave-one-out baseline).</summary>
    public AdvantageEstimator Advantage { get; set; } = AdvantageEstimator.Grpo;

    /// <summary>Divide advantages by the group's reward std (original GRPO, default true); false is Dr. GRPO.</summary>
    public bool ScaleRewardsByStd { get; set; } = true;

    /// <summary>ε_low of the clipped ratio. Default 0.2.</summary>
    [Range(0.0, 1.0, MaximumIsExclusive = true)]
    public double ClipLow { get; set; } = 0.2;

    /// <summary>ε_high of the clipped ratio (DAPO's clip-higher). Default 0.28.</summary>
    [Range(0.0, double.MaxValue)]
    public double ClipHigh { get; set; } = 0.28;

    /// <summary>β of the k3 KL to the frozen reference policy; 0 (default) skips the reference model entirely.</summary>
    [Range(0.0, double.MaxValue)]
    public double KlCoefficient { get; set; }

    /// <summary><c>token_mean</c> (default), <c>seq_mean_token_mean</c> or <c>seq_mean_token_sum_norm</c>.</summary>
    public LossAggregation LossAggregation { get; set; } = LossAggregation.TokenMean;

    /// <summary>The constant of <c>seq_mean_token_sum_norm</c>. Default: the model's max_seq_len.</summary>
    [Range(1, int.MaxValue)]
    public int? SumNormConstant { get; set; }

    /// <summary>Optimisation passes over each update's batch. Default 1.</summary>
    [Range(1, int.MaxValue)]
    public int PpoEpochs { get; set; } = 1;

    /// <summary>
    /// <c>keep</c> (default: a turn limit reached by looping is a bad outcome the policy must learn to avoid) or <c>mask</c>
    /// (DAPO's overlong filtering: truncated episodes count in the baseline but stay out of the loss).
    /// </summary>
    public TruncatedEpisodes Truncated { get; set; } = TruncatedEpisodes.Keep;

    // ── optimizer ────────────────────────────────────────────────────────────────
    /// <summary>AdamW learning rate after warm-up. Default 2e-3.</summary>
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double LearningRate { get; set; } = 2e-3;

    /// <summary>AdamW weight decay. Default 0.</summary>
    [Range(0.0, double.MaxValue)]
    public double WeightDecay { get; set; }

    /// <summary>Gradients of the policy updates are clipped to this global norm (the warm start has its own). Default 1.</summary>
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double MaxGradNorm { get; set; } = 1.0;

    /// <summary>The learning rate rises linearly over this many updates. Default 3.</summary>
    [Range(0, int.MaxValue)]
    public int WarmupUpdates { get; set; } = 3;

    /// <summary>After the warm-up: <c>constant</c> (default), <c>linear</c> or <c>cosine</c> decay to <see cref="MinLrRatio"/> at the last update.</summary>
    public LearningRateDecay LrSchedule { get; set; } = LearningRateDecay.Constant;

    /// <summary>The share of <see cref="LearningRate"/> a decaying schedule ends at. Default 0.1.</summary>
    [Range(0.0, 1.0)]
    public double MinLrRatio { get; set; } = 0.1;

    /// <summary>Weight of an entropy bonus in the loss (verl's <c>entropy_coeff</c>): it keeps sampling exploring. Default 0.</summary>
    [Range(0.0, double.MaxValue)]
    public double EntropyCoefficient { get; set; }

    /// <summary>Most padded tokens (rows × longest row) in one micro-batch; gradients accumulate over micro-batches. Default 8192.</summary>
    [Range(1, int.MaxValue)]
    public int MicroBatchTokens { get; set; } = 8192;

    // ── warm start and curriculum ──────────────────────────────────────────────────
    /// <summary>A supervised warm start on a scripted solver's trajectories before RL; null (default) starts from scratch.</summary>
    public WarmStartOptions? WarmStart { get; set; }

    /// <summary>Stages of tasks, easiest first; empty (default) trains on every task from the start.</summary>
    public List<CurriculumStage> Curriculum { get; set; } = [];

    /// <summary>The scenario environments to train on (ids); null (default) trains on all of them.</summary>
    public List<string>? Environments { get; set; }

    /// <summary>Episodes scored (without training) before and after training to report success. Default 64; 0 skips.</summary>
    [Range(0, int.MaxValue)]
    public int EvalEpisodes { get; set; } = 64;

    // ── reward recipe ──────────────────────────────────────────────────────────────
    /// <summary>Binary rewards first, graded once an environment's success holds; null (default) trains in the scenario's reward mode.</summary>
    public RewardScheduleOptions? RewardSchedule { get; set; }

    /// <summary>Replace groups with no learning signal by new ones (DAPO's dynamic sampling); null (default) skips them.</summary>
    public DynamicSamplingOptions? DynamicSampling { get; set; }

    /// <summary>
    /// Every problem with these options, each named by its JSON path under <c>trainer</c>: the ranges each section declares on
    /// its properties (what the configuration reader enforces when it reads them), then the rules across fields — for options
    /// changed after reading (command-line overrides).
    /// </summary>
    public IReadOnlyList<string> Validate()
    {
        var e = new List<string>();
        e.AddRange(OptionsValidator.Problems(this, "$.trainer"));
        e.AddRange(OptionsValidator.Problems(WarmStart, "$.trainer.warm_start"));
        for (var i = 0; i < Curriculum.Count; i++) e.AddRange(OptionsValidator.Problems(Curriculum[i], $"$.trainer.curriculum[{i}]"));
        e.AddRange(OptionsValidator.Problems(RewardSchedule, "$.trainer.reward_schedule"));
        e.AddRange(OptionsValidator.Problems(RewardSchedule?.GradedAfter, "$.trainer.reward_schedule.graded_after"));
        e.AddRange(OptionsValidator.Problems(DynamicSampling, "$.trainer.dynamic_sampling"));
        if (Lora is not null) e.AddRange(Lora.Validate());
        if (ModelFrom is not null && ModelFrom.Trim().Length == 0) e.Add("$.trainer.model.from: must name a Hugging Face model folder");
        try { Model.Validate(); }
        catch (ArgumentException x) { e.Add($"$.trainer.model: {x.Message}"); }
        return e;
    }

    /// <inheritdoc />
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (ActivationCheckpointing && (Model.Dropout != 0 || (Lora?.Dropout ?? 0) != 0))
            yield return new ValidationResult("recomputing a block replays no dropout; set model.dropout and lora.dropout to 0 or turn checkpointing off", [nameof(ActivationCheckpointing)]);
    }

    /// <summary>The options JSON is read with: snake_case names and enum values, unknown properties rejected.</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>
    /// Reads a <c>trainer</c> section (defaults when null) with Forge's configuration reader: snake_case names and enum values,
    /// unknown properties reported with "did you mean", then <see cref="Validate"/>. Throws <see cref="FormatException"/>
    /// naming <paramref name="source"/> and the JSON path of every problem at once.
    /// </summary>
    public static TrainerOptions FromJson(JsonElement? section, string source)
    {
        if (section is not { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } s) return new TrainerOptions();
        var (json, from) = ModelSource.Split(s, source);
        var reader = new ConfigReader(source);
        var options = reader.Bind<TrainerOptions>(JsonSerializer.SerializeToElement(json), "$.trainer");
        options.ModelFrom = from;
        // What the reader could not see (rules across sections, a rule on a section that had a bad value, the model's shape),
        // reported with the reader's own problems; the ranges it already reported are not repeated.
        var reported = reader.Problems.Select(p => $"{p.JsonPath}: {p.Message}").ToHashSet(StringComparer.Ordinal);
        foreach (var error in options.Validate().Where(e => !reported.Contains(e)))
        {
            var colon = error.IndexOf(": ", StringComparison.Ordinal);
            reader.Problem(colon > 0 ? error[..colon] : "$.trainer", colon > 0 ? error[(colon + 2)..] : error);
        }
        reader.ThrowIfProblems();
        return options;
    }
}

/// <summary>A supervised warm start: fine-tune on trajectories of the environments' scripted solvers before RL.</summary>
public sealed class WarmStartOptions
{
    /// <summary>Solver episodes to record and train on. Default 256.</summary>
    [Range(1, int.MaxValue)]
    public int Episodes { get; set; } = 256;

    /// <summary>Passes over them. Default 3.</summary>
    [Range(1, int.MaxValue)]
    public int Epochs { get; set; } = 3;

    /// <summary>Learning rate of the warm start. Default 3e-3.</summary>
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double LearningRate { get; set; } = 3e-3;

    /// <summary>Padded tokens per fine-tuning mini-batch (one optimizer step each). Default 2048.</summary>
    [Range(1, int.MaxValue)]
    public int BatchTokens { get; set; } = 2048;

    /// <summary>Gradients of the warm start are clipped to this global norm (the RL updates use the trainer's <c>max_grad_norm</c>). Default 1.</summary>
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double MaxGradNorm { get; set; } = 1.0;

    /// <summary>Only trajectories with at least this reward are kept (filtered fine-tuning); null keeps all. Default null.</summary>
    public double? MinReward { get; set; }

    /// <summary>The solver to imitate: <c>default</c> (the registry's) or the full name of an <c>IAgent</c> type with a parameterless constructor.</summary>
    public string Solver { get; set; } = "default";
}

/// <summary>One curriculum stage: the tasks whose id matches <see cref="TaskPattern"/>, until the success rate reaches <see cref="AdvanceAt"/>.</summary>
public sealed class CurriculumStage : IValidatableObject
{
    /// <summary>A regular expression on task ids (for example <c>-L1$</c>). Default: every task.</summary>
    public string TaskPattern { get; set; } = "";

    /// <summary>Move to the next stage once the success rate over the last <see cref="Window"/> episodes reaches this; null: the last stage.</summary>
    [Range(0.0, 1.0, MinimumIsExclusive = true)]
    public double? AdvanceAt { get; set; }

    /// <summary>Episodes the success rate is measured over. Default 64.</summary>
    [Range(1, int.MaxValue)]
    public int Window { get; set; } = 64;

    /// <inheritdoc />
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        string? error = null;
        try { _ = new System.Text.RegularExpressions.Regex(TaskPattern); }
        catch (ArgumentException x) { error = x.Message; }
        if (error is not null) yield return new ValidationResult($"not a regular expression: {error}", [nameof(TaskPattern)]);
    }
}
