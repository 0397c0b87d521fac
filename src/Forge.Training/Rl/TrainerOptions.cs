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
/// and the schedule. Every field has a default; <see cref="Validate"/> reports every problem at once.
/// </summary>
public sealed class TrainerOptions
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
    public double Temperature { get; set; } = 1.0;

    /// <summary>Top-p (nucleus) sampling threshold. Default 1 (off).</summary>
    public double TopP { get; set; } = 1.0;

    /// <summary>Most tokens per assistant message. Default 24.</summary>
    public int MaxNewTokens { get; set; } = 24;

    /// <summary>Most rows in one batched generation (requests from concurrent episodes are gathered). Default 64.</summary>
    public int GenerationBatch { get; set; } = 64;

    /// <summary>How long the generation queue waits for more requests once it has one, in milliseconds. Default 2.</summary>
    public double GenerationWindowMs { get; set; } = 2;

    // ── schedule ─────────────────────────────────────────────────────────────────
    /// <summary>Number of policy updates. Default 100.</summary>
    public int Updates { get; set; } = 100;

    /// <summary>Groups (tasks × group_size rollouts) per update. Default 8.</summary>
    public int GroupsPerUpdate { get; set; } = 8;

    /// <summary><c>async</c> (default) or <c>sync</c>.</summary>
    public RolloutMode Mode { get; set; } = RolloutMode.Async;

    /// <summary>Groups produced by a policy more than this many versions older than the trainer's are dropped and counted. Default 2.</summary>
    public int MaxStaleness { get; set; } = 2;

    /// <summary>Save a checkpoint every this many updates (and at the end). Default 50; 0 saves only at the end.</summary>
    public int CheckpointEvery { get; set; } = 50;

    /// <summary>Seed of the model's initialisation and of sampling. Default: the scenario's seed.</summary>
    public int? Seed { get; set; }

    // ── objective ────────────────────────────────────────────────────────────────
    /// <summary><c>grpo</c> (group mean baseline, default) or <c>rloo</c> (leave-one-out baseline).</summary>
    public AdvantageEstimator Advantage { get; set; } = AdvantageEstimator.Grpo;

    /// <summary>Divide advantages by the group's reward std (original GRPO, default true); false is Dr. GRPO.</summary>
    public bool ScaleRewardsByStd { get; set; } = true;

    /// <summary>ε_low of the clipped ratio. Default 0.2.</summary>
    public double ClipLow { get; set; } = 0.2;

    /// <summary>ε_high of the clipped ratio (DAPO's clip-higher). Default 0.28.</summary>
    public double ClipHigh { get; set; } = 0.28;

    /// <summary>β of the k3 KL to the frozen reference policy; 0 (default) skips the reference model entirely.</summary>
    public double KlCoefficient { get; set; }

    /// <summary><c>token_mean</c> (default), <c>seq_mean_token_mean</c> or <c>seq_mean_token_sum_norm</c>.</summary>
    public LossAggregation LossAggregation { get; set; } = LossAggregation.TokenMean;

    /// <summary>The constant of <c>seq_mean_token_sum_norm</c>. Default: the model's max_seq_len.</summary>
    public int? SumNormConstant { get; set; }

    /// <summary>Optimisation passes over each update's batch. Default 1.</summary>
    public int PpoEpochs { get; set; } = 1;

    /// <summary>
    /// <c>keep</c> (default: a turn limit reached by looping is a bad outcome the policy must learn to avoid) or <c>mask</c>
    /// (DAPO's overlong filtering: truncated episodes count in the baseline but stay out of the loss).
    /// </summary>
    public TruncatedEpisodes Truncated { get; set; } = TruncatedEpisodes.Keep;

    // ── optimizer ────────────────────────────────────────────────────────────────
    /// <summary>AdamW learning rate after warm-up. Default 2e-3.</summary>
    public double LearningRate { get; set; } = 2e-3;

    /// <summary>AdamW weight decay. Default 0.</summary>
    public double WeightDecay { get; set; }

    /// <summary>Gradients are clipped to this global norm. Default 1.</summary>
    public double MaxGradNorm { get; set; } = 1.0;

    /// <summary>The learning rate rises linearly over this many updates. Default 3.</summary>
    public int WarmupUpdates { get; set; } = 3;

    /// <summary>After the warm-up: <c>constant</c> (default), <c>linear</c> or <c>cosine</c> decay to <see cref="MinLrRatio"/> at the last update.</summary>
    public LearningRateDecay LrSchedule { get; set; } = LearningRateDecay.Constant;

    /// <summary>The share of <see cref="LearningRate"/> a decaying schedule ends at. Default 0.1.</summary>
    public double MinLrRatio { get; set; } = 0.1;

    /// <summary>Weight of an entropy bonus in the loss (verl's <c>entropy_coeff</c>): it keeps sampling exploring. Default 0.</summary>
    public double EntropyCoefficient { get; set; }

    /// <summary>Most padded tokens (rows × longest row) in one micro-batch; gradients accumulate over micro-batches. Default 8192.</summary>
    public int MicroBatchTokens { get; set; } = 8192;

    // ── warm start and curriculum ──────────────────────────────────────────────────
    /// <summary>A supervised warm start on a scripted solver's trajectories before RL; null (default) starts from scratch.</summary>
    public WarmStartOptions? WarmStart { get; set; }

    /// <summary>Stages of tasks, easiest first; empty (default) trains on every task from the start.</summary>
    public List<CurriculumStage> Curriculum { get; set; } = [];

    /// <summary>The scenario environments to train on (ids); null (default) trains on all of them.</summary>
    public List<string>? Environments { get; set; }

    /// <summary>Episodes scored (without training) before and after training to report success. Default 64; 0 skips.</summary>
    public int EvalEpisodes { get; set; } = 64;

    // ── reward recipe ──────────────────────────────────────────────────────────────
    /// <summary>Binary rewards first, graded once an environment's success holds; null (default) trains in the scenario's reward mode.</summary>
    public RewardScheduleOptions? RewardSchedule { get; set; }

    /// <summary>Replace groups with no learning signal by new ones (DAPO's dynamic sampling); null (default) skips them.</summary>
    public DynamicSamplingOptions? DynamicSampling { get; set; }

    /// <summary>Every problem with these options, each named by its JSON path under <c>trainer</c>.</summary>
    public IReadOnlyList<string> Validate()
    {
        var e = new List<string>();
        void Check(bool ok, string path, string what) { if (!ok) e.Add($"$.trainer.{path}: {what}"); }
        Check(Tokenizer is "byte" or "gpt2", "tokenizer", $"expected 'byte' or 'gpt2', got '{Tokenizer}'");
        Check(ModelFrom is null || ModelFrom.Trim().Length > 0, "model.from", "must name a Hugging Face model folder");
        Check(Temperature > 0, "temperature", $"must be > 0 (got {Temperature})");
        Check(TopP is > 0 and <= 1, "top_p", $"must be in (0, 1] (got {TopP})");
        Check(MaxNewTokens >= 1, "max_new_tokens", $"must be ≥ 1 (got {MaxNewTokens})");
        Check(GenerationBatch >= 1, "generation_batch", $"must be ≥ 1 (got {GenerationBatch})");
        Check(GenerationWindowMs >= 0, "generation_window_ms", $"must be ≥ 0 (got {GenerationWindowMs})");
        Check(Updates >= 0, "updates", $"must be ≥ 0 (got {Updates})");
        Check(GroupsPerUpdate >= 1, "groups_per_update", $"must be ≥ 1 (got {GroupsPerUpdate})");
        Check(MaxStaleness >= 0, "max_staleness", $"must be ≥ 0 (got {MaxStaleness})");
        Check(CheckpointEvery >= 0, "checkpoint_every", $"must be ≥ 0 (got {CheckpointEvery})");
        Check(ClipLow is >= 0 and < 1, "clip_low", $"must be in [0, 1) (got {ClipLow})");
        Check(ClipHigh >= 0, "clip_high", $"must be ≥ 0 (got {ClipHigh})");
        Check(KlCoefficient >= 0, "kl_coefficient", $"must be ≥ 0 (got {KlCoefficient})");
        Check(SumNormConstant is null or >= 1, "sum_norm_constant", $"must be ≥ 1 (got {SumNormConstant})");
        Check(PpoEpochs >= 1, "ppo_epochs", $"must be ≥ 1 (got {PpoEpochs})");
        Check(LearningRate > 0, "learning_rate", $"must be > 0 (got {LearningRate})");
        Check(WeightDecay >= 0, "weight_decay", $"must be ≥ 0 (got {WeightDecay})");
        Check(MaxGradNorm > 0, "max_grad_norm", $"must be > 0 (got {MaxGradNorm})");
        Check(WarmupUpdates >= 0, "warmup_updates", $"must be ≥ 0 (got {WarmupUpdates})");
        Check(MinLrRatio is >= 0 and <= 1, "min_lr_ratio", $"must be in [0, 1] (got {MinLrRatio})");
        Check(EntropyCoefficient >= 0, "entropy_coefficient", $"must be ≥ 0 (got {EntropyCoefficient})");
        Check(MicroBatchTokens >= 1, "micro_batch_tokens", $"must be ≥ 1 (got {MicroBatchTokens})");
        Check(EvalEpisodes >= 0, "eval_episodes", $"must be ≥ 0 (got {EvalEpisodes})");
        if (Lora is not null) e.AddRange(Lora.Validate());
        if (RewardSchedule is not null) e.AddRange(RewardSchedule.Validate());
        if (DynamicSampling is not null) e.AddRange(DynamicSampling.Validate());
        Check(!ActivationCheckpointing || (Model.Dropout == 0 && (Lora?.Dropout ?? 0) == 0), "activation_checkpointing",
            "recomputing a block replays no dropout; set model.dropout and lora.dropout to 0 or turn checkpointing off");
        try { Model.Validate(); }
        catch (ArgumentException x) { e.Add($"$.trainer.model: {x.Message}"); }
        if (WarmStart is { } w)
        {
            Check(w.Episodes >= 1, "warm_start.episodes", $"must be ≥ 1 (got {w.Episodes})");
            Check(w.Epochs >= 1, "warm_start.epochs", $"must be ≥ 1 (got {w.Epochs})");
            Check(w.LearningRate > 0, "warm_start.learning_rate", $"must be > 0 (got {w.LearningRate})");
            Check(w.BatchTokens >= 1, "warm_start.batch_tokens", $"must be ≥ 1 (got {w.BatchTokens})");
        }
        for (var i = 0; i < Curriculum.Count; i++)
        {
            var s = Curriculum[i];
            try { _ = new System.Text.RegularExpressions.Regex(s.TaskPattern); }
            catch (ArgumentException x) { e.Add($"$.trainer.curriculum[{i}].task_pattern: not a regular expression: {x.Message}"); }
            Check(s.AdvanceAt is null or (> 0 and <= 1), $"curriculum[{i}].advance_at", $"must be in (0, 1] (got {s.AdvanceAt})");
            Check(s.Window >= 1, $"curriculum[{i}].window", $"must be ≥ 1 (got {s.Window})");
        }
        return e;
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
        // Checks across fields and of nested sections that aren't declared as attributes, reported with the reader's.
        if (reader.Problems.Count == 0)
            foreach (var error in options.Validate())
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
    public int Episodes { get; set; } = 256;

    /// <summary>Passes over them. Default 3.</summary>
    public int Epochs { get; set; } = 3;

    /// <summary>Learning rate of the warm start. Default 3e-3.</summary>
    public double LearningRate { get; set; } = 3e-3;

    /// <summary>Padded tokens per fine-tuning mini-batch (one optimizer step each). Default 2048.</summary>
    public int BatchTokens { get; set; } = 2048;

    /// <summary>Only trajectories with at least this reward are kept (filtered fine-tuning); null keeps all. Default null.</summary>
    public double? MinReward { get; set; }

    /// <summary>The solver to imitate: <c>default</c> (the registry's) or the full name of an <c>IAgent</c> type with a parameterless constructor.</summary>
    public string Solver { get; set; } = "default";
}

/// <summary>One curriculum stage: the tasks whose id matches <see cref="TaskPattern"/>, until the success rate reaches <see cref="AdvanceAt"/>.</summary>
public sealed class CurriculumStage
{
    /// <summary>A regular expression on task ids (for example <c>-L1$</c>). Default: every task.</summary>
    public string TaskPattern { get; set; } = "";

    /// <summary>Move to the next stage once the success rate over the last <see cref="Window"/> episodes reaches this; null: the last stage.</summary>
    public double? AdvanceAt { get; set; }

    /// <summary>Episodes the success rate is measured over. Default 64.</summary>
    public int Window { get; set; } = 64;
}
