using System.Threading.Channels;
using Forge.Agents.Scripted;
using Forge.Core.Scripted;
using Forge.Core;
using Forge.Host;
using Forge.Training.Devices;
using Forge.Training.Rl;

namespace Forge.Training.Pipeline;

public sealed partial class TrainingRun
{
    // ── evaluation ───────────────────────────────────────────────────────────────

    /// <summary>Scores the current policy on a fixed, seeded set of episodes (the same set every time), without training.</summary>
    private async Task<UpdateMetrics> EvaluateAsync(CancellationToken ct)
    {
        var stream = new TaskStream(_setup.Scenario, _setup.Registry, [], _seed + 1, "eval", groupSize: 1, _o.Environments) { Judge = _judge };
        var requests = Enumerable.Range(0, _o.EvalEpisodes).SelectMany(_ => stream.NextGroup()).ToList();
        var episodes = new ListSink();
        await using (var agent = PolicyAgentFor(_seed + 1, _threads))
            await Engine(agent, $"eval-v{_trainer.Version}").RunAsync(requests, [_recorder, episodes, .. _setup.EvalSinks], 2 * _setup.Scenario.Concurrency, ct).ConfigureAwait(false);
        var scored = episodes.Trajectories.ToList();
        var (mean, std, success, per) = UpdateMetrics.Score(scored);
        var (errored, firstError) = UpdateMetrics.Errors(scored);
        var row = new UpdateMetrics
        {
            Phase = "eval", Step = _trainer.Version, WallSeconds = Now, PolicyVersion = _trainer.Version,
            Episodes = scored.Count, ErroredEpisodes = errored, FirstError = firstError, RewardMean = mean, RewardStd = std, SuccessRate = success, PerEnvironment = per,
        };
        Emit(row);
        return row;
    }

    // ── supervised warm start ─────────────────────────────────────────────────────────

    /// <summary>Records a scripted solver's episodes and fine-tunes the policy on them (filtered by reward when asked).</summary>
    private async Task WarmStartAsync(WarmStartOptions warm, CancellationToken ct)
    {
        var solvers = TrainedEnvironments.ToDictionary(id => id, id => Solver(id, warm.Solver), StringComparer.Ordinal);
        // The solver's episodes ask the judge only when their rewards filter them.
        var stream = new TaskStream(_setup.Scenario, _setup.Registry, [], _seed + 2, "warm", groupSize: 1, _o.Environments) { Judge = warm.MinReward is null ? null : _judge };
        var requests = Enumerable.Range(0, warm.Episodes).SelectMany(_ => stream.NextGroup()).ToList();
        var episodes = new ListSink();
        await Engine(new RoutingAgent(solvers, "warm-start"), "warm-start").RunAsync(requests, [_recorder, episodes], 2 * _setup.Scenario.Concurrency, ct).ConfigureAwait(false);
        // In episode order, not arrival order, so that the seeded shuffle below makes the warm start reproducible.
        var kept = episodes.Trajectories.Where(t => t.Termination != Termination.Errored && (warm.MinReward is not { } min || t.TotalReward >= min))
            .OrderBy(t => t.EpisodeId, StringComparer.Ordinal).ToList();
        var demonstrations = kept.Select(t => _encoder.Encode(t).ForTraining(_model.Config.MaxSeqLen)).ToList();
        var (mean, std, success, per) = UpdateMetrics.Score(kept);
        _setup.OnNews?.Invoke($"warm start: {kept.Count} of {episodes.Trajectories.Count} solver episodes kept (solver success {success:P0})");
        var shuffle = new Random(_seed);
        using var learner = new TorchWorker("forge-learner", _threads);
        for (var epoch = 1; epoch <= warm.Epochs; epoch++)
        {
            ct.ThrowIfCancellationRequested();
            var loss = await learner.RunAsync(() => _trainer.FineTuneEpoch(demonstrations, warm.LearningRate, warm.BatchTokens, shuffle, warm.MaxGradNorm)).ConfigureAwait(false);
            Emit(new UpdateMetrics
            {
                Phase = "warm_start", Step = epoch, WallSeconds = Now, PolicyVersion = _trainer.Version, Episodes = kept.Count,
                RewardMean = mean, RewardStd = std, SuccessRate = success, PerEnvironment = per, SupervisedLoss = loss,
            });
        }
    }

    private IAgent Solver(string environmentId, string name)
    {
        if (name == "default")
            return _setup.Registry.Get(environmentId).CreateSolver()
                ?? throw new FormatException($"{_setup.Scenario.Path}: $.trainer.warm_start.solver: {environmentId} declares no solver; name one.");
        var environmentAssembly = _setup.Registry.Get(environmentId).EnvironmentType.Assembly;
        var type = environmentAssembly.GetType(name) ?? AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(name)).FirstOrDefault(t => t is not null);
        if (type is null || !typeof(IAgent).IsAssignableFrom(type) || type.GetConstructor(Type.EmptyTypes) is null)
            throw new FormatException($"{_setup.Scenario.Path}: $.trainer.warm_start.solver: '{name}' is not an agent type with a public parameterless constructor.");
        return (IAgent)Activator.CreateInstance(type)!;
    }

    /// <summary>The scenario's environments the trainer section trains on, each once.</summary>
    private IEnumerable<string> TrainedEnvironments =>
        _setup.Scenario.Environments.Select(e => e.Id).Where(id => _o.Environments is null || _o.Environments.Contains(id)).Distinct();

    // ── reinforcement learning ──────────────────────────────────────────────────────

    /// <summary>The RL loop; returns the number of updates done.</summary>
    private async Task<int> ReinforceAsync(CancellationToken ct)
    {
        if (_o.Updates == 0) return 0;
        _trainer.Schedule = LearningRateSchedule.For(_o, _trainer.Version);   // a resumed run decays over its own updates
        var scenario = _setup.Scenario;
        var schedule = _o.RewardSchedule is { } scheduled ? new RewardSchedule(scheduled, TrainedEnvironments) : null;
        var stream = new TaskStream(scenario, _setup.Registry, _o.Curriculum, _seed, "train", only: _o.Environments) { RewardSchedule = schedule, Judge = _judge };
        var batcher = new GroupBatcher(scenario.GroupSize);
        var requests = Channel.CreateUnbounded<EpisodeRequest>(new UnboundedChannelOptions { SingleWriter = true });
        using var permits = new SemaphoreSlim(0);
        using var stopRollouts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sync = _o.Mode == RolloutMode.Sync;
        permits.Release(sync ? _o.GroupsPerUpdate : 2 * _o.GroupsPerUpdate);   // async: the next update's groups roll out during this one

        // Async: the generator and the learner run at the same time, each on its own thread with half the intra-op threads
        // (two teams of all the cores would oversubscribe them); sync: one at a time, each with all of them.
        var perSide = sync ? _threads : Math.Max(1, _threads / 2);
        using var learner = new TorchWorker("forge-learner", perSide);
        await using var agent = PolicyAgentFor(_seed, perSide);
        var producer = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    await permits.WaitAsync(stopRollouts.Token).ConfigureAwait(false);
                    foreach (var request in stream.NextGroup()) await requests.Writer.WriteAsync(request, stopRollouts.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) { }
            finally { requests.Writer.TryComplete(); }
        }, CancellationToken.None);
        var rollouts = Engine(agent, $"train-{scenario.Name}").RunAsync(requests.Reader, [_recorder, batcher], stopRollouts.Token);

        var collector = new BatchCollector(batcher.Groups, () => permits.Release(), _o.Mode, _o.MaxStaleness, _o.DynamicSampling);
        var updates = 0;
        var since = Now;
        var startVersion = _trainer.Version;
        var weightsSent = Task.CompletedTask;
        try
        {
            for (var update = 1; update <= _o.Updates; update++)
            {
                // ── rollouts: gather a batch of complete, fresh groups (stale ones and, with dynamic sampling, signal-less ones replaced) ──
                var batch = await collector.CollectAsync(_o.GroupsPerUpdate, _trainer.Version, ct).ConfigureAwait(false);
                if (batch is null)
                {
                    await rollouts.ConfigureAwait(false);   // surfaces why the rollouts ended
                    throw new InvalidOperationException("The rollouts ended before training did.");
                }
                var groups = batch.Groups;
                var episodes = batch.Observed;
                if (stream.Observe(episodes)) _setup.OnNews?.Invoke($"curriculum: stage {stream.Stage + 1} of {stream.StageCount}");
                foreach (var id in schedule?.Observe(episodes) ?? []) _setup.OnNews?.Invoke($"reward schedule: {id} switches to graded rewards after update {update}");

                // ── advantages ──
                var (samples, skipped) = BuildSamples(groups);

                // ── update ──
                UpdateStats? stats = null;
                if (samples.Count > 0)
                {
                    await weightsSent.ConfigureAwait(false);   // the generator has copied the last update's weights: the learner may change them
                    stats = await learner.RunAsync(() => _trainer.Update(samples)).ConfigureAwait(false);
                    weightsSent = SendWeightsAsync(agent);   // between two generation (decode) steps; rollouts go on meanwhile
                }
                if (sync) permits.Release(_o.GroupsPerUpdate);
                updates = update;

                var now = Now;
                var generated = episodes.Sum(t => t.TokenSequences.Count > 0
                    ? t.TokenSequences.Sum(s => s.PolicyMask.Count(m => m))
                    : t.Steps.Sum(s => s.Action.TokenIds?.Count ?? 0));
                var (mean, std, success, per) = UpdateMetrics.Score(episodes);
                var (errored, firstError) = UpdateMetrics.Errors(episodes);
                Emit(new UpdateMetrics
                {
                    Phase = "rl", Step = update, WallSeconds = now, PolicyVersion = _trainer.Version, Stage = stream.Stage,
                    Episodes = episodes.Count, ErroredEpisodes = errored, FirstError = firstError, RewardMean = mean, RewardStd = std, SuccessRate = success, PerEnvironment = per,
                    Update = stats, SkippedGroups = skipped, StaleGroups = batch.Stale, Refills = batch.Refills,
                    RewardModes = schedule?.Modes ?? new Dictionary<string, RewardMode>(), Staleness = batch.Staleness.Average(),
                    GeneratedTokensPerSecond = generated / Math.Max(1e-9, now - since),
                });
                since = now;
                if (_o.CheckpointEvery > 0 && update % _o.CheckpointEvery == 0 && update < _o.Updates) SaveCheckpoint($"update-{update:D5}", update);
            }
        }
        finally
        {
            await stopRollouts.CancelAsync().ConfigureAwait(false);   // episodes still running are recorded as cancelled
            await weightsSent.ConfigureAwait(false);
            await producer.ConfigureAwait(false);
            try { await rollouts.ConfigureAwait(false); }
            catch (OperationCanceledException) { }
        }
        _setup.OnNews?.Invoke($"{_trainer.Version - startVersion} policy updates in {updates} steps; {batcher.DroppedGroups} incomplete groups dropped at shutdown");
        return updates;
    }

    /// <summary>Group-relative advantages over the scored rollouts of each group; groups whose rewards are all equal carry no signal and are skipped (and counted).</summary>
    private (List<TrainingSample> Samples, int Skipped) BuildSamples(IReadOnlyList<TrajectoryGroup> groups)
    {
        var samples = new List<TrainingSample>();
        var skipped = 0;
        foreach (var group in groups)
        {
            if (!group.HasSignal) { skipped++; continue; }
            var scored = group.Scored;
            var rewards = scored.Select(t => t.TotalReward).ToList();
            var advantages = Advantages.ForGroup(rewards, _o.Advantage, _o.ScaleRewardsByStd);
            for (var i = 0; i < scored.Count; i++)
            {
                var t = scored[i];
                var inLoss = !(_o.Truncated == TruncatedEpisodes.Mask && t.Termination == Termination.Truncated);
                foreach (var sequence in Sequences(t))
                    if (sequence.HasOldLogProbs)   // else a message the policy didn't sample (none expected): nothing to take a ratio of
                        samples.Add(new TrainingSample(sequence, advantages[i], inLoss));
            }
        }
        return (samples, skipped);
    }

    /// <summary>
    /// What the trainer learns from in <paramref name="t"/>: the token sequences recorded with it, exactly (an agent program's
    /// stitched calls, each sharing the episode's advantage), else its conversation encoded with the policy's chat format.
    /// </summary>
    private IEnumerable<EncodedConversation> Sequences(Trajectory t) =>
        t.TokenSequences.Count > 0
            ? t.TokenSequences.Select(s => EncodedConversation.Of(s).ForTraining(_model.Config.MaxSeqLen))
            : [_encoder.Encode(t).ForTraining(_model.Config.MaxSeqLen)];
}
