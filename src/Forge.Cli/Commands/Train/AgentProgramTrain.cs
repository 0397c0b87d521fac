using Forge.Cli.Commands.Cluster;
using Forge.Cli.Commands.Run;
using Forge.Host.Registry;
using Forge.Host.Scenarios;
using Forge.Serving.AgentPrograms;
using Forge.Training.Models;
using Forge.Training.Pipeline;

namespace Forge.Cli.Commands.Train;

/// <summary>
/// <c>forge train</c> for a scenario whose agent is an agent program: the one training run (<see cref="TrainingRun"/>) with
/// everything it brings — evaluation, metrics, checkpoints, resume, LoRA, sync or async rollouts, curriculum, the judge —
/// whose episodes run the program against <c>forge serve</c> (<see cref="AgentProgramServer"/>). The policy trained is the
/// one the agent section serves (a checkpoint continues from its weights and policy version, a model folder starts from
/// its weights); the trainer pushes its weights into the server before the first episode and after every update.
/// </summary>
internal static class AgentProgramTrain
{
    public static async Task<int> RunAsync(TrainCommand.Settings settings, Scenario scenario, CancellationToken cancellationToken)
    {
        var registry = EnvironmentRegistry.Load(settings.Registry ?? EnvironmentRegistry.DefaultPath);
        var section = AgentProgramSection.Read(scenario, registry);
        if (settings.Model is not null)
            throw new ArgumentException($"--model: {scenario.Path} trains the policy its agent section serves ($.agent.{Source(section)}); drop the flag or change that field.");
        if (ClusterRun.OptionsFor(scenario, settings.Cluster) is not null)
            throw new ArgumentException($"{(settings.Cluster is not null ? "--cluster" : $"{scenario.Path}: $.cluster")}: agent-program episodes run beside the server their programs call; training them on a cluster's workers is not supported.");
        var device = settings.Device == "auto" ? section.Device : settings.Device;
        var fromCheckpoint = ModelFolder.IsCheckpoint(section.Policy);
        var setup = TrainingSetups.Create(settings.Scenario, settings.Registry, settings.Out, device, settings.Resume ?? (fromCheckpoint ? section.Policy : null),
            fromCheckpoint || settings.Resume is not null ? null : section.Policy, options =>
            {
                if (options.ModelFrom is not null)
                    throw new FormatException($"{scenario.Path}: $.trainer.model.from: the agent program's policy is $.agent.{Source(section)}; remove it here.");
                if (options.WarmStart is not null)
                    throw new FormatException($"{scenario.Path}: $.trainer.warm_start: a warm start fine-tunes on a scripted solver's conversations with the environment's own prompt and tools, " +
                        "which the agent program never sees (it writes its own); remove it, or warm-start with a `policy` scenario and serve that checkpoint.");
                if (settings.Updates is { } n) options.Updates = n >= 0 ? n : throw new ArgumentException($"--updates must be ≥ 0 (got {n}).");
            }, liveView: !settings.Json);
        using var stop = StopSignals.Watch(cancellationToken, "stopping; the training run ends after the episodes in flight");
        await using var sandboxes = setup.Scenario.CreateSandboxes(registry);
        await using var host = await AgentProgramRun.StartServerAsync(section, settings.Resume ?? section.Policy, device, stop.Token);
        using var server = new AgentProgramServer(host, runId => AgentProgramRun.Runner(setup.Scenario, registry, section, host, sandboxes, runId));
        setup.PolicyServer = server;
        setup.OnNews?.Invoke($"agent programs: the trained policy is served at {host.Address}v1");
        var result = await TrainingRun.RunAsync(setup, stop.Token);
        if (settings.Json) JsonOutput.Write(TrainingConsole.Json(result, Path.GetFullPath(setup.OutputDirectory)));
        else TrainingConsole.Summary(result, setup.OutputDirectory);
        return 0;
    }

    private static string Source(AgentProgramSection section) => ModelFolder.IsCheckpoint(section.Policy) ? "checkpoint" : "model";
}
