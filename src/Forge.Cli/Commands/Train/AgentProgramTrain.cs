using System.Globalization;
using Forge.Cli.Commands.Run;
using Forge.Host.Recording;
using Forge.Host.Registry;
using Forge.Host.Scenarios;
using Forge.Serving.AgentPrograms;
using Forge.Serving.Hosting;
using Forge.Training.Checkpoints;
using Forge.Training.Devices;
using Forge.Training.Models;
using Forge.Training.Pipeline;
using Forge.Training.Rl;

namespace Forge.Cli.Commands.Train;

/// <summary>
/// <c>forge train</c> for a scenario whose agent is an agent program: each update runs the scenario's episodes (G per task)
/// against <c>forge serve</c>, turns each task's group into GRPO samples from the recorded token ids, updates the trainer's
/// copy of the policy and pushes the new weights into the server before the next round. Writes <c>OUT/train/metrics.csv</c>,
/// the trajectories and <c>OUT/train/checkpoints/final</c>.
/// </summary>
internal static class AgentProgramTrain
{
    public static async Task<int> RunAsync(Scenario scenario, EnvironmentRegistry registry, string? outOption, int? updates, bool json, CancellationToken cancellationToken)
    {
        var section = AgentProgramSection.Read(scenario, registry);
        var options = TrainerOptions.FromJson(scenario.Trainer, scenario.Path);
        if (options.Lora is not null || options.WarmStart is not null)
            throw new ArgumentException($"{scenario.Path}: $.trainer: {(options.Lora is not null ? "lora" : "warm_start")} is not supported yet when the agent is an agent program; remove it.");
        if (updates is { } n) options.Updates = n >= 0 ? n : throw new ArgumentException($"--updates must be ≥ 0 (got {n}).");
        var output = Path.GetFullPath(Path.Combine(outOption ?? scenario.Output, "train"));
        using var stop = StopSignals.Watch(cancellationToken, "stopping; the training run ends after the episodes in flight");
        await using var sandboxes = scenario.CreateSandboxes(registry);
        await using var host = await ServeHost.StartAsync(new ServeOptions { ModelDirectory = section.Policy, Port = 0, MaxBatch = section.MaxBatch, Device = section.Device }, stop.Token);
        await host.Loaded.WaitAsync(stop.Token);
        var device = DeviceSelector.Resolve(section.Device);
        var (model, tokenizer) = ModelFolder.IsCheckpoint(section.Policy)
            ? Checkpoint.Load(section.Policy, device, mergeAdapters: true) is var c ? (c.Model, c.Tokenizer) : default
            : PolicyFactory.FromHuggingFace(section.Policy, options.Precision, device);
        using var _ = model;
        using var trainer = new PolicyTrainer(model, options, tokenizer.PadId);
        await using var recorder = new TrajectoryRecorder(output);
        var runner = AgentProgramRun.Runner(scenario, registry, section, host, sandboxes);
        var version = host.PolicyVersion ?? 0;
        var initial = version;
        var metrics = new List<string> { "update,episodes,errored,reward_mean,reward_std,skipped_groups,samples,policy_tokens,loss,approx_kl,policy_version" };
        for (var update = 1; update <= options.Updates && !stop.IsCancellationRequested; update++)
        {
            var requests = scenario.ExpandRequests(registry).Select(r => r with { EpisodeId = $"u{update}-{r.EpisodeId}", GroupId = $"u{update}-{r.GroupId}" }).ToList();
            var episodes = await AgentProgramRun.RunEpisodesAsync(scenario, section, runner, requests, [recorder], stop.Token);
            var groupOf = requests.ToDictionary(r => r.EpisodeId, r => r.GroupId);
            var groups = episodes.GroupBy(e => groupOf[e.EpisodeId]).ToList();
            var perGroup = groups.Select(g => AgentProgramSamples.ForGroup([.. g], options.Advantage, options.ScaleRewardsByStd)).ToList();
            var samples = perGroup.SelectMany(s => s).ToList();
            UpdateStats? stats = null;
            if (samples.Count > 0)
            {
                stats = trainer.Update(samples);
                trainer.Version = (int)++version;
                await host.LoadWeightsAsync(model, version);
            }
            var rewards = episodes.Select(e => e.Reward).ToList();
            var mean = rewards.Count == 0 ? 0 : rewards.Average();
            var std = Math.Sqrt(rewards.Average(r => (r - mean) * (r - mean)));
            var row = string.Join(',', update, episodes.Count, episodes.Count(e => e.Error is not null), F(mean), F(std), perGroup.Count(s => s.Count == 0), samples.Count,
                F(stats?.PolicyTokens), F(stats?.Loss), F(stats?.ApproxKl), version);
            metrics.Add(row);
            if (!json) Console.Error.WriteLine($"update {update}/{options.Updates}: reward {F(mean)} ± {F(std)}, {samples.Count} samples, {perGroup.Count(s => s.Count == 0)} groups without signal, policy version {version}");
        }
        await recorder.CompleteAsync(stop.Token);
        Directory.CreateDirectory(output);
        await File.WriteAllLinesAsync(Path.Combine(output, "metrics.csv"), metrics, CancellationToken.None);
        var final = Path.Combine(output, "checkpoints", "final");
        Checkpoint.Save(final, model, tokenizer, new TrainingProgress(options.Updates, version, scenario.Seed));
        if (json)
            JsonOutput.Write(new { scenario = scenario.Name, trajectories = recorder.Path, metrics = Path.Combine(output, "metrics.csv"), checkpoint = final, policy_version = version });
        else
            Console.Out.WriteLine($"{scenario.Name}: {options.Updates} rounds of agent-program episodes, {version - initial} policy updates; final checkpoint {final}");
        return stop.IsCancellationRequested ? 130 : 0;
    }

    private static string F(double? value) => value is { } v ? v.ToString("0.####", CultureInfo.InvariantCulture) : "";
}
