using System.Diagnostics;
using Forge.Agents.ChatFormat;
using Forge.Agents.Judging;
using Forge.Core;
using Forge.Core.Rewards;
using Forge.Host;
using Forge.Host.Recording;
using Forge.Training.Checkpoints;
using Forge.Training.Devices;
using Forge.Training.Lora;
using Forge.Training.Model;
using Forge.Training.Rl;
using Forge.Training.Tokenization;
using TorchSharp;

namespace Forge.Training.Pipeline;

/// <summary>
/// A whole training run: build (or resume) the policy, evaluate it, optionally warm-start it on a solver's trajectories,
/// then train it with RL — rollouts through the host's <see cref="RolloutEngine"/> with the <see cref="PolicyAgent"/> (or on a
/// served policy's runner, <see cref="TrainingSetup.PolicyServer"/>: agent programs), trajectories to the recorder and the
/// <see cref="GroupBatcher"/>, groups to the <see cref="PolicyTrainer"/> — writing
/// metrics, TensorBoard events, checkpoints and the reward curve; evaluate again at the end. Episodes of environments that need
/// a sandbox run in the scenario's sandbox backend (one provider for the whole run, removed after it however it ends).
/// </summary>
public sealed partial class TrainingRun : IAsyncDisposable
{
    private readonly TrainingSetup _setup;
    private readonly TrainerOptions _o;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly int _seed;
    private readonly ITokenizer _tokenizer;
    private readonly CausalTransformer _model;
    private readonly ConversationEncoder _encoder;
    private readonly PolicyTrainer _trainer;
    private readonly TrajectoryRecorder _recorder;
    private readonly MetricsLog _metrics;
    private readonly string? _resumedFrom;
    private readonly string? _baseModel;   // the Hugging Face folder the policy started from, if any
    private readonly ISandboxProvider? _sandboxes;
    private readonly JudgeEndpoint? _judge;   // the scenario's judge: evaluation and RL episodes ask it like any run's
    private readonly int _threads = TorchWorker.DefaultThreads;   // libtorch intra-op threads of the process (the cores, or --threads)

    private TrainingRun(TrainingSetup setup, ISandboxProvider? sandboxes)
    {
        _sandboxes = sandboxes;
        _setup = setup;
        _judge = setup.Scenario.Judge is { } judge ? OpenAiJudgeModel.Connect(judge) : null;
        _o = setup.Options;
        _seed = _o.Seed ?? setup.Scenario.Seed;
        var device = DeviceSelector.Resolve(setup.Device);
        torch.manual_seed(_seed);
        if (setup.Resume is { } resume)
        {
            var loaded = Checkpoint.Load(resume, device);
            _model = loaded.Model;
            _tokenizer = loaded.Tokenizer;
            _resumedFrom = resume;
            _baseModel = PeftAdapter.BaseModel(resume);
            var freshAdapters = AttachAdapters(resume);
            _trainer = new PolicyTrainer(_model, _o, _tokenizer.PadId) { Version = (int)loaded.Info.PolicyVersion };
            if (loaded.Info.HasOptimizer && !freshAdapters) Checkpoint.RestoreOptimizer(resume, _trainer.Optimizer);
        }
        else
        {
            _baseModel = _o.ModelFrom;
            (_model, _tokenizer) = _o.ModelFrom is { } folder ? PolicyFactory.FromHuggingFace(folder, _o.Precision, device) : PolicyFactory.New(_o, _seed, device);
            AttachAdapters(resumedFrom: null);
            _trainer = new PolicyTrainer(_model, _o, _tokenizer.PadId);
        }
        if (LoraAdapters.Of(_model) is { } adapters)
            setup.OnNews?.Invoke($"LoRA: {adapters.ParameterCount:N0} trainable parameters in {adapters.Layers.Count} adapters of rank {adapters.Options.Rank} on a frozen base of {_model.Config.ParameterCount:N0}");
        _encoder = ConversationEncoder.For(_tokenizer, PolicyFactory.ChatFormat(_tokenizer, _o.ToolDescriptions, setup.Resume ?? _o.ModelFrom ?? setup.Scenario.Path));
        Directory.CreateDirectory(setup.OutputDirectory);
        _recorder = new TrajectoryRecorder(setup.OutputDirectory);
        _metrics = new MetricsLog(setup.OutputDirectory, setup.Scenario.Environments.Select(e => e.Id).Where(id => _o.Environments is null || _o.Environments.Contains(id)).Distinct().ToList(), setup.TensorBoard);
    }

    /// <summary>
    /// Attaches fresh LoRA adapters when the options ask for them and the model has none (a new run, or LoRA on top of a full
    /// checkpoint: then the checkpoint's optimizer state does not apply). A resumed model's own adapters must match the options.
    /// Returns whether fresh adapters were attached.
    /// </summary>
    private bool AttachAdapters(string? resumedFrom)
    {
        if (_o.Lora is not { } lora) return false;
        if (LoraAdapters.Of(_model) is { } existing)
        {
            var had = existing.Options;
            if (had.Rank != lora.Rank || had.Alpha != lora.Alpha || !had.Targets.Order().SequenceEqual(lora.Targets.Order()))
                throw new FormatException($"{_setup.Scenario.Path}: $.trainer.lora: the checkpoint {resumedFrom} has adapters of rank {had.Rank}, alpha {had.Alpha} on "
                    + $"[{string.Join(", ", had.Targets)}]; the options ask for rank {lora.Rank}, alpha {lora.Alpha} on [{string.Join(", ", lora.Targets)}].");
            return false;
        }
        LoraAdapters.Attach(_model, lora, seed: _seed);
        return true;
    }

    /// <summary>Runs training as <paramref name="setup"/> says and returns what it did.</summary>
    public static async Task<TrainingResult> RunAsync(TrainingSetup setup, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(setup);
        // Before anything is written (a backend that can't run here stops the run), and removed after the run however it ends.
        await using var sandboxes = setup.Scenario.CreateSandboxes(setup.Registry);
        await using var run = new TrainingRun(setup, sandboxes);
        return await run.ExecuteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Scores the checkpoint named by <see cref="TrainingSetup.Resume"/> on <see cref="TrainerOptions.EvalEpisodes"/> episodes, without training.</summary>
    public static async Task<UpdateMetrics> EvaluateAsync(TrainingSetup setup, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(setup);
        if (setup.Resume is null && setup.Options.ModelFrom is null) throw new ArgumentException("Evaluation needs a checkpoint or a model folder (--checkpoint or --model).", nameof(setup));
        await using var sandboxes = setup.Scenario.CreateSandboxes(setup.Registry);
        await using var run = new TrainingRun(setup, sandboxes);
        return await run.EvaluateAsync(cancellationToken).ConfigureAwait(false);
    }

    private double Now => _clock.Elapsed.TotalSeconds;

    private async Task<TrainingResult> ExecuteAsync(CancellationToken ct)
    {
        double? before = null, afterWarm = null, after = null;
        if (_setup.PolicyServer is { } server) await server.LoadWeightsAsync(_model, _trainer.Version).ConfigureAwait(false);   // the server serves what the trainer holds
        if (_o.EvalEpisodes > 0) before = (await EvaluateAsync(ct).ConfigureAwait(false)).SuccessRate;
        if (_o.WarmStart is { } warm && _resumedFrom is null)
        {
            await WarmStartAsync(warm, ct).ConfigureAwait(false);
            if (_o.EvalEpisodes > 0) afterWarm = (await EvaluateAsync(ct).ConfigureAwait(false)).SuccessRate;
        }
        var updates = await ReinforceAsync(ct).ConfigureAwait(false);
        var final = SaveCheckpoint("final", updates);
        if (_o.EvalEpisodes > 0) after = (await EvaluateAsync(ct).ConfigureAwait(false)).SuccessRate;
        var curve = Path.Combine(_setup.OutputDirectory, "reward-curve.png");
        RewardCurve.Save(curve, _metrics.Rows, $"{_setup.Scenario.Name}: success rate over wall time");
        _setup.OnNews?.Invoke($"wrote {curve}");
        return new TrainingResult(_metrics.Rows, final, before, afterWarm, after, Now, updates);
    }

    private string SaveCheckpoint(string name, int step)
    {
        var directory = Path.Combine(_setup.OutputDirectory, "checkpoints", name);
        Checkpoint.Save(directory, _model, _tokenizer, new TrainingProgress(step, _trainer.Version, _seed) { BaseModel = _baseModel }, _trainer.Optimizer, _trainer.MasterWeights);
        _setup.OnNews?.Invoke($"checkpoint {directory} (policy version {_trainer.Version})");
        return directory;
    }

    /// <summary>The in-process policy agent that acts in one phase's episodes; null when a served policy does (<see cref="TrainingSetup.PolicyServer"/>).</summary>
    private PolicyAgent? PolicyAgentFor(int seed, int threads) =>
        _setup.PolicyServer is null ? new PolicyAgent(_model, _tokenizer, _encoder, _o, seed, _trainer.Version, threads) : null;

    /// <summary>The runner of one phase's episodes: <paramref name="agent"/>'s (on the cluster or here), or the served policy's when it is null.</summary>
    private IRolloutRunner Engine(IAgent? agent, string runId) =>
        agent is null ? _setup.PolicyServer!.Rollouts(runId)
        : _setup.Rollouts?.Invoke(agent, runId)
          ?? new RolloutEngine(new RolloutOptions { Concurrency = _setup.Scenario.Concurrency, AgentRetries = 0, RunId = runId },
              id => _setup.Registry.Get(id).Create(), agent, _sandboxes);

    /// <summary>Hands the trainer's current weights to whoever acts: the in-process agent's copy, or the served policy.</summary>
    private Task SendWeightsAsync(PolicyAgent? agent) =>
        agent?.LoadWeightsAsync(_model, _trainer.Version) ?? _setup.PolicyServer!.LoadWeightsAsync(_model, _trainer.Version);

    private void Emit(UpdateMetrics row)
    {
        _metrics.Write(row);
        _setup.OnRow?.Invoke(row);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _recorder.DisposeAsync().ConfigureAwait(false);
        _metrics.Dispose();
        _trainer.Dispose();
        LoraAdapters.Of(_model)?.Dispose();
        _model.Dispose();
    }
}
