using System.Globalization;
using Forge.Agents.Programs;
using Forge.Host;
using Forge.Host.Recording;
using Forge.Host.Registry;
using Forge.Host.Scenarios;
using Forge.Serving.AgentPrograms;
using Forge.Serving.Hosting;

namespace Forge.Cli.Commands.Run;

/// <summary>
/// <c>forge run</c> for a scenario whose agent is an agent program: serves the scenario's policy with <c>forge serve</c> on a
/// free loopback port, runs the program once per episode (G per task, as the scenario's group size says) with its calls
/// recorded at the episode's path, and records the scored, stitched trajectories like any other run's.
/// </summary>
internal static class AgentProgramRun
{
    public static async Task<int> RunAsync(Scenario scenario, EnvironmentRegistry registry, string? outOption, bool json, CancellationToken cancellationToken)
    {
        var requests = scenario.ExpandRequests(registry);
        var output = Path.GetFullPath(outOption ?? scenario.Output);
        using var stop = StopSignals.Watch(cancellationToken, "stopping; running episodes end as errored");
        await using var recorder = new TrajectoryRecorder(output);
        var (episodes, policyVersion) = await ServeAndRunAsync(scenario, registry, requests, [recorder], json ? null : Console.Error.WriteLine, stop.Token);
        await recorder.CompleteAsync(stop.Token);
        var errored = episodes.Count(e => e.Error is not null);
        var stitched = episodes.Count(e => e.Sequences.Count == 1 && e.Sequences[0].Stitched);
        var calls = episodes.Sum(e => e.Calls.Count);
        var mean = episodes.Length == 0 ? 0 : episodes.Average(e => e.Reward);
        if (json)
            JsonOutput.Write(new
            {
                scenario = scenario.Name, scenario_path = scenario.Path, seed = scenario.Seed, trajectories = recorder.Path,
                agent_programs = new { episodes = episodes.Length, errored, calls, stitched_episodes = stitched, mean_reward = mean, policy_version = policyVersion },
            });
        else
        {
            Console.Out.WriteLine($"{scenario.Name}: {episodes.Length} agent-program episodes, {calls} calls ({stitched} episodes stitched into one sequence), " +
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
    public static async Task<(AgentProgramEpisode[] Episodes, long? PolicyVersion)> ServeAndRunAsync(Scenario scenario, EnvironmentRegistry registry, IReadOnlyList<EpisodeRequest> requests,
        IReadOnlyList<ITrajectorySink> sinks, Action<string>? say, CancellationToken cancellationToken)
    {
        var section = AgentProgramSection.Read(scenario, registry);
        await using var host = await ServeHost.StartAsync(new ServeOptions { ModelDirectory = section.Policy, Port = 0, MaxBatch = section.MaxBatch, Device = section.Device }, cancellationToken);
        await host.Loaded.WaitAsync(cancellationToken);
        say?.Invoke($"agent programs: serving {section.Policy} at {host.Address}v1; {requests.Count} episodes of {section.Program ?? string.Join(' ', section.Command!)}");
        var runner = new AgentProgramRunner(host, "agent-program", scenario.RewardMode ?? Forge.Core.RewardMode.Graded);
        var episodes = await RunEpisodesAsync(scenario, section, runner, requests, sinks, cancellationToken);
        return (episodes, host.PolicyVersion);
    }

    /// <summary>Runs every request's episode (the scenario's concurrency at once) and hands its trajectories to the sinks; returns the episodes in request order.</summary>
    public static async Task<AgentProgramEpisode[]> RunEpisodesAsync(Scenario scenario, AgentProgramSection section, AgentProgramRunner runner,
        IReadOnlyList<EpisodeRequest> requests, IReadOnlyList<ITrajectorySink> sinks, CancellationToken cancellationToken)
    {
        var process = section.Command is { } command ? new ProcessAgentProgram(command, Path.GetDirectoryName(Path.GetFullPath(scenario.Path)), TimeSpan.FromSeconds(section.DeadlineSeconds)) : null;
        // A program started as a process is scored on its output only (a non-empty answer): its tools and state are its own.
        var answered = new Forge.Core.Rubric().Add("answered", 1.0, c => string.IsNullOrWhiteSpace(c.FinalAnswer) ? 0 : 1);
        using var gate = new SemaphoreSlim(scenario.Concurrency);
        return await Task.WhenAll(requests.Select(async request =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                var episode = process is not null
                    ? await runner.RunAsync(process, request.Task, answered, request.EpisodeId, request.Seed, cancellationToken)
                    : await section.Programs.RunAsync(section.Program!, runner, request.Task, request.EpisodeId, request.Seed, cancellationToken);
                foreach (var trajectory in episode.Trajectories.Select(t => t with { GroupId = request.GroupId, EnvironmentId = request.EnvironmentId }))
                    foreach (var sink in sinks) await sink.OnTrajectoryAsync(trajectory, cancellationToken);
                return episode;
            }
            finally
            {
                gate.Release();
            }
        }));
    }
}
