using System.Diagnostics;
using Forge.Training.Generation;
using Forge.Training.Lora;
using Forge.Training.Model;
using Forge.Training.Precision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Forge.Training.Rl;

/// <summary>
/// Updates a <see cref="CausalTransformer"/> policy with the GRPO family's clipped objective (<see cref="PolicyLoss"/>),
/// or fine-tunes it on demonstrations. Micro-batches by token budget with gradient accumulation, AdamW, global gradient
/// clipping and a <see cref="LearningRateSchedule"/> (warm-up, then optional decay). With β &gt; 0 a frozen copy of the
/// policy, taken at the first update, is the KL reference; with β = 0 there is no reference model and no extra forward pass.
/// A policy with <see cref="LoraAdapters"/> attached trains only its adapters, and its KL reference is the same model
/// with the adapters switched off (no copy). With <see cref="TrainingPrecision.Bf16"/> the trainer casts the policy to
/// bf16 and steps fp32 master copies of its trainable parameters (<see cref="MasterWeights"/>; adapters are fp32 already).
/// </summary>
public sealed class PolicyTrainer : IDisposable
{
    private readonly CausalTransformer _policy;
    private readonly TrainerOptions _options;
    private readonly int _padId;
    private readonly AdamW _optimizer;
    private readonly LoraAdapters? _adapters;
    private readonly MasterWeights? _masters;
    private readonly IReadOnlyList<Parameter> _trainable;
    private CausalTransformer? _reference;

    /// <summary>Creates a trainer for <paramref name="policy"/> (cast to bf16 here when <see cref="TrainerOptions.Precision"/> says so).</summary>
    public PolicyTrainer(CausalTransformer policy, TrainerOptions options, int padId)
    {
        _policy = policy ?? throw new ArgumentNullException(nameof(policy));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _padId = padId;
        _adapters = LoraAdapters.Of(policy);
        policy.ActivationCheckpointing = options.ActivationCheckpointing;
        if (options.Precision == TrainingPrecision.Bf16 && _adapters is null) _masters = new MasterWeights(policy, ScalarType.BFloat16);
        else
        {
            var dtype = options.Precision == TrainingPrecision.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32;
            if (policy.DType != dtype) policy.to(dtype);   // with adapters: the frozen base; the adapters stay fp32
        }
        _trainable = _masters?.Parameters ?? [.. _adapters?.Parameters() ?? policy.parameters()];
        _optimizer = torch.optim.AdamW(_trainable, lr: options.LearningRate, weight_decay: options.WeightDecay);
        Schedule = LearningRateSchedule.For(options);
    }

    /// <summary>The learning rate of each update (by default the options' schedule for a run starting at version 0).</summary>
    public LearningRateSchedule Schedule { get; set; }

    /// <summary>The policy being trained.</summary>
    public CausalTransformer Policy => _policy;

    /// <summary>The optimizer (its state goes into checkpoints).</summary>
    public AdamW Optimizer => _optimizer;

    /// <summary>The parameters the optimizer steps: the adapters', the fp32 masters of a bf16 policy, or the policy's own.</summary>
    public IReadOnlyList<Parameter> TrainableParameters => _trainable;

    /// <summary>Whether the trainer holds a frozen copy of the policy as its KL reference (never with LoRA: the reference is the base).</summary>
    internal bool HasReferenceCopy => _reference is not null;

    /// <summary>Forward passes of the KL reference so far (one per micro-batch and update, whatever the PPO epochs).</summary>
    internal int ReferencePasses { get; private set; }

    /// <summary>The weights a checkpoint should save: the fp32 masters of a bf16 policy; null when the policy's own weights are exact.</summary>
    public IReadOnlyDictionary<string, Tensor>? MasterWeights => _masters?.StateDict();

    /// <summary>Updates done so far: the version of the policy's weights.</summary>
    public int Version { get; set; }

    // ── RL update ────────────────────────────────────────────────────────────────

    /// <summary>One policy update on <paramref name="samples"/> (<see cref="TrainerOptions.PpoEpochs"/> passes). Bumps <see cref="Version"/>.</summary>
    public UpdateStats Update(IReadOnlyList<TrainingSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var clock = Stopwatch.StartNew();
        var lr = Schedule.At(Version);
        var trained = samples.Where(s => s.InLoss && s.Sequence.PolicyTokenCount > 0).ToList();
        if (trained.Any(s => !s.Sequence.HasOldLogProbs))
            throw new InvalidOperationException("An RL update needs the sampling log-probs of every policy token; a sequence has none (a demonstration?).");
        if (_options.KlCoefficient > 0 && _adapters is null && _reference is null) _reference = Snapshot(_policy);

        var normalizer = new BatchNormalizer(
            PolicyTokens: trained.Sum(s => s.Sequence.PolicyTokenCount),
            Sequences: trained.Count,
            SumNormConstant: _options.SumNormConstant ?? _policy.Config.MaxSeqLen);
        var lossOptions = new PolicyLossOptions
        {
            ClipLow = _options.ClipLow, ClipHigh = _options.ClipHigh,
            KlCoefficient = _options.KlCoefficient, Aggregation = _options.LossAggregation, EntropyCoefficient = _options.EntropyCoefficient,
        };
        var plan = MicroBatches.Plan(trained.Select(s => s.Sequence.Length).ToList(), _options.MicroBatchTokens);

        double loss = 0, entropy = 0, gradNorm = 0;
        long forwardTokens = 0;
        var stats = default(PolicyLossStats);
        // The reference is frozen: its log-probs are computed in the first PPO epoch and reused by the later ones.
        var referenceLogProbs = new Tensor?[plan.Count];
        _policy.train();
        try
        {
            for (var epoch = 0; epoch < _options.PpoEpochs; epoch++)
            {
                SetLearningRate(lr);
                _optimizer.zero_grad();
                loss = entropy = 0;
                stats = default;
                for (var m = 0; m < plan.Count; m++)
                {
                    using var scope = torch.NewDisposeScope();
                    var batch = SequenceTensors.Build(plan[m].Select(i => trained[i]).ToList(), _padId, _policy.Device);
                    forwardTokens += batch.Ids.numel();
                    var logits = batch.Logits(_policy);                                             // [B, T−1, V]
                    var logProbs = Sampling.TokenLogProbs(logits, batch.Targets, _options.Temperature); // [B, T−1]
                    if (_options.KlCoefficient > 0 && referenceLogProbs[m] is null)
                        referenceLogProbs[m] = ReferenceLogProbs(batch.Inputs, batch.Targets, batch.SharedPrefix, batch.InputLengths).DetachFromDisposeScope();
                    var refLogProbs = referenceLogProbs[m];                                          // [B, T−1]
                    var tokenEntropy = _options.EntropyCoefficient > 0 ? Sampling.Entropy(logits, _options.Temperature) : null;   // [B, T−1], with gradient
                    var (microLoss, microStats) = PolicyLoss.Compute(logProbs, batch.OldLogProbs, refLogProbs, batch.Advantages, batch.Mask, lossOptions, normalizer, tokenEntropy);
                    microLoss.backward();
                    _masters?.GradientsFromModel();   // bf16 gradients accumulate in the fp32 masters
                    loss += microLoss.item<float>();
                    stats += microStats;
                    using (torch.no_grad())
                        entropy += ((tokenEntropy?.detach() ?? Sampling.Entropy(logits.detach(), _options.Temperature)) * batch.Mask).sum().item<float>();
                }
                gradNorm = Step(_options.MaxGradNorm);
            }
        }
        finally
        {
            foreach (var t in referenceLogProbs) t?.Dispose();
        }
        Version++;
        var tokens = Math.Max(1, stats.PolicyTokens);
        return new UpdateStats
        {
            Sequences = trained.Count,
            PolicyTokens = stats.PolicyTokens,
            ForwardTokens = forwardTokens,
            Loss = loss,
            Entropy = entropy / tokens,
            ClipFraction = stats.ClippedTokens / tokens,
            ApproxKl = stats.ApproxKl / tokens,
            RefKl = stats.RefKl / tokens,
            GradNorm = gradNorm,
            LearningRate = lr,
            MicroBatches = plan.Count,
            Seconds = clock.Elapsed.TotalSeconds,
        };
    }

    // ── supervised fine-tuning ─────────────────────────────────────────────────────

    /// <summary>
    /// One pass of supervised fine-tuning on <paramref name="demonstrations"/> in mini-batches of about
    /// <paramref name="batchTokens"/> tokens: token-mean cross-entropy on the policy tokens only, gradients clipped to
    /// <paramref name="maxGradNorm"/>. Returns the mean loss. Does not change <see cref="Version"/>.
    /// </summary>
    public double FineTuneEpoch(IReadOnlyList<EncodedConversation> demonstrations, double learningRate, int batchTokens, Random shuffle, double maxGradNorm = 1.0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxGradNorm);
        ArgumentNullException.ThrowIfNull(demonstrations);
        var samples = demonstrations.Where(d => d.PolicyTokenCount > 0).Select(d => new TrainingSample(d, 0)).ToList();
        var order = Enumerable.Range(0, samples.Count).ToArray();
        shuffle.Shuffle(order);
        SetLearningRate(learningRate);
        _policy.train();
        double total = 0;
        var steps = 0;
        for (var start = 0; start < order.Length;)
        {
            var rows = new List<TrainingSample>();
            var longest = 0;
            while (start < order.Length)
            {
                var next = samples[order[start]];
                var width = Math.Max(longest, next.Sequence.Length);
                if (rows.Count > 0 && (rows.Count + 1) * width > batchTokens) break;
                rows.Add(next);
                longest = width;
                start++;
            }
            using var scope = torch.NewDisposeScope();
            var batch = SequenceTensors.Build(rows, _padId, _policy.Device);
            _optimizer.zero_grad();
            var logProbs = Sampling.TokenLogProbs(batch.Logits(_policy), batch.Targets, 1.0);   // [B, T−1]
            var loss = -(logProbs * batch.Mask).sum() / batch.Mask.sum().clamp_min(1);
            loss.backward();
            _masters?.GradientsFromModel();
            Step(maxGradNorm);
            total += loss.item<float>();
            steps++;
        }
        return steps == 0 ? 0 : total / steps;
    }

    // ── helpers ──────────────────────────────────────────────────────────────────

    /// <summary>Clips the accumulated gradients of the trainable parameters to <paramref name="maxGradNorm"/> and steps the optimizer; returns the norm before clipping.</summary>
    private double Step(double maxGradNorm)
    {
        var norm = torch.nn.utils.clip_grad_norm_(_trainable, maxGradNorm);
        _optimizer.step();
        _masters?.ToModel();
        return norm;
    }

    /// <summary>
    /// Log-probs of <paramref name="targets"/> [B, T−1] under the KL reference, without gradient: the frozen snapshot, or
    /// for an adapted policy the same model with its adapters off (in eval mode, as the snapshot is). The rows of
    /// <paramref name="inputs"/> share their first <paramref name="sharedPrefix"/> tokens; <paramref name="lengths"/> are their real lengths, if known.
    /// </summary>
    internal Tensor ReferenceLogProbs(Tensor inputs, Tensor targets, int sharedPrefix = 0, IReadOnlyList<int>? lengths = null)
    {
        ReferencePasses++;
        using var noGrad = torch.no_grad();
        if (_adapters is null) return Sampling.TokenLogProbs(_reference!.ForwardSharedPrefix(inputs, sharedPrefix, lengths), targets, _options.Temperature);
        _policy.eval();
        try
        {
            using (_adapters.Disable()) return Sampling.TokenLogProbs(_policy.ForwardSharedPrefix(inputs, sharedPrefix, lengths), targets, _options.Temperature);
        }
        finally
        {
            _policy.train();
        }
    }

    private void SetLearningRate(double lr)
    {
        foreach (var group in _optimizer.ParamGroups) group.LearningRate = lr;
    }

    /// <summary>A frozen copy of <paramref name="source"/> (same shape, same weights, no gradients, eval mode).</summary>
    public static CausalTransformer Snapshot(CausalTransformer source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var copy = source.Clone();
        foreach (var p in copy.parameters()) p.requires_grad = false;
        copy.eval();
        return copy;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _optimizer.Dispose();
        _reference?.Dispose();
        _masters?.Dispose();
    }
}
