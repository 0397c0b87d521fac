using System.Globalization;
using Forge.Agents.Programs;
using Forge.Core;
using Forge.Host;
using Forge.Host.Recording;
using Forge.Host.Registry;
using Forge.Host.Scenarios;
using Forge.Serving.AgentPrograms;
using Forge.Serving.Hosting;

namespace Forge.Cli.Commands.Run;

/// <summary>
/// <c>forge run</c> for a scenario whose agent is an agent program: serves the scenario's policy with <c>forge serve</c> on a
/// free loopback port and runs the program once per episode (G per task, as the scenario's group size says) through the
/// episode driver, with its calls recorded at the episode's path, and records the scored, stitched trajectories like any
/// other run's.
/// </summary>
internal static class AgentProgramRun
{
    public static async Task<int> RunAsync(Scenario scenario, EnvironmentRegistry registry, string? outOption, bool json, CancellationToken cancellationToken)
    {
        var requests = ScenarioJudge.Attach(scenario, scenario.ExpandRequests(registry));
        var output = Path.GetFullPath(outOption ?? scenario.Output);
        var resume = Resume.Prepare(output, requests);   // episodes already in the output's log are not run again
        requests = resume.Remaining;
        using var stop = StopSignals.Watch(cancellationToken, "stopping; running episodes end as cancelled");
        await using var recorder = new TrajectoryRecorder(output);
        var (episodes, policyVersion) = await ServeAndRunAsync(scenario, registry, requests, [recorder], json ? null : Console.Error.WriteLine, stop.Token);
        await recorder.CompleteAsync(stop.Token);
        var errored = episodes.Count(e => e.Error is not null);
        var stitched = episodes.Count(e => e.Sequences.Count == 1 && e.Sequences[0].Stitched);
        var calls = episodes.Sum(e => e.Calls.Count);
        var mean = episodes.Count == 0 ? 0 : episodes.Average(e => e.Reward);
        if (json)
            JsonOutput.Write(new
            {
                scenario = scenario.Name, scenario_path = scenario.Path, seed = scenario.Seed, trajectories = recorder.Path,
                resumed = resume.Json,
                agent_programs = new { episodes = episodes.Count, errored, calls, stitched_episodes = stitched, mean_reward = mean, policy_version = policyVersion },
            });
        else
        {
            Console.Out.WriteLine($"{scenario.Name}: {episodes.Count} agent-program episodes, {calls} calls ({stitched} episodes stitched into one sequence), " +
                $"mean reward {mean.ToString("0.###", CultureInfo.InvariantCulture)}, {errored} errored → {recorder.Path}");
            foreach (var e in episodes.Where(e => e.Error is not null).Take(3))
                Console.Out.WriteLine($"  {e.EpisodeId}: {e.Error!.Type}: {e.Error.Message}");
        }
        return stop.IsCancellationRequested ? 130 : 0;
    }

    /// <summary>
    /// Serves the scenario's policy on a free loopback port and runs the requests' episodes against it, handing their
    /// trajectories to <paramref name="sinks"/>; returns the episodes in request order and the served policy's version.
    /// </summary>
    public static async Task<(IReadOnlyList<AgentProgramEpisode> Episodes, long? PolicyVersion)> ServeAndRunAsync(Scenario scenario, EnvironmentRegistry registry,
        IReadOnlyList<EpisodeRequest> requests, IReadOnlyList<ITrajectorySink> sinks, Action<string>? say, CancellationToken cancellationToken)
    {
        var section = AgentProgramSection.Read(scenario, registry);
        await using var sandboxes = scenario.CreateSandboxes(registry);
        await using var host = await StartServerAsync(section, section.Policy, section.Device, cancellationToken);
        var runner = Runner(scenario, registry, section, host, sandboxes);
        say?.Invoke($"agent programs: serving {section.Policy} at {host.Address}v1; {requests.Count} episodes of {runner.Agent.Provenance.Details}");
        var episodes = await runner.RunEpisodesAsync(requests, sinks, cancellationToken);
        return (episodes, host.PolicyVersion);
    }

    /// <summary>Serves <paramref name="policy"/> (a checkpoint or model folder) on <paramref name="device"/> on a free loopback port, once it is loaded.</summary>
    public static async Task<ServeHost> StartServerAsync(AgentProgramSection section, string policy, string device, CancellationToken cancellationToken)
    {
        var host = await ServeHost.StartAsync(new ServeOptions { ModelDirectory = policy, Port = 0, MaxBatch = section.MaxBatch, Device = device }, cancellationToken);
        try
        {
            await host.Loaded.WaitAsync(cancellationToken);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The runner of the scenario's program against <paramref name="host"/> (the scenario's concurrency; the program's whole run
    /// is its one turn, so the turn deadline is its <c>deadline_seconds</c>): a process program runs in a sandbox from
    /// <paramref name="sandboxes"/> when the scenario has a <c>sandbox</c> section, and is scored by the environment; an
    /// in-process program by its own rubric.
    /// </summary>
    public static AgentProgramRunner Runner(Scenario scenario, EnvironmentRegistry registry, AgentProgramSection section, ServeHost host, ISandboxProvider? sandboxes,
        string? runId = null)
    {
        var deadline = TimeSpan.FromSeconds(section.DeadlineSeconds);
        IProgramLauncher launcher = section.Command is { } command
            ? new ProcessProgram(new ProcessAgentProgram(command, section.WorkingDirectory, deadline), scenario.Sandbox is null ? null : sandboxes)
            : InProcessPrograms.Launcher(section.InProcess!);
        return new AgentProgramRunner(host, launcher, id => registry.Get(id).Create(), scenario.Concurrency, deadline, sandboxes, runId);
    }
}
