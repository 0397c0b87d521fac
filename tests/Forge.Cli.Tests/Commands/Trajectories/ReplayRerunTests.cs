using Forge.Cli.Commands.Trajectories;
using Forge.Core;
using Forge.Host;
using Forge.Host.Recording;
using Forge.Host.Registry;

namespace Forge.Cli.Tests.Commands.Trajectories;

/// <summary><c>forge replay --rerun</c> on episodes recorded from the shipped environments with their scripted solvers.</summary>
public sealed class ReplayRerunTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("forge-cli-rerun-").FullName;
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<string> RecordAsync(string environmentId, int tasks, int taskSeed)
    {
        var registry = EnvironmentRegistry.Load(EnvironmentRegistry.DefaultPath);
        var environment = registry.Get(environmentId);
        var requests = environment.Tasks(taskSeed, tasks)
            .Select((task, i) => new EpisodeRequest($"{environmentId}:{task.Id}", environmentId, task, Seed: 100 + i, GroupId: task.Id)
            {
                Limits = environment.Limits,
                RewardMode = environment.RewardMode,
            });
        var engine = new RolloutEngine(new RolloutOptions { Concurrency = 2 }, id => registry.Get(id).Create(), environment.CreateSolver()!);
        await using var recorder = new TrajectoryRecorder(_dir);
        await engine.RunAsync(requests, [recorder], CancellationToken.None);
        return recorder.Path;
    }

    [Fact]
    public async Task Rerun_UnchangedEnvironment_ReportsNoDivergence()
    {
        var path = await RecordAsync("support/desk", tasks: 2, taskSeed: 0);
        var recorded = TrajectoryReader.Read(path).Trajectories;
        Assert.All(recorded, t => Assert.Equal(Termination.Terminated, t.Termination));

        var exit = await ReplayCommand.RunAsync(new ReplayCommand.Settings { File = path, Index = 1, Rerun = true }, _out, _err, width: 160);

        Assert.Equal(0, exit);
        Assert.Contains($"Re-ran {recorded[1].EpisodeId} against support/desk v2: {recorded[1].Steps.Count} step(s) matched the recording.", _out.ToString());
        Assert.Contains("No divergence", _out.ToString());
    }

    [Fact]
    public async Task Rerun_GeneratedTasksWithTheirSeed_FindsTheTask()
    {
        var path = await RecordAsync("game/vault", tasks: 1, taskSeed: 7);

        var exit = await ReplayCommand.RunAsync(new ReplayCommand.Settings { File = path, Rerun = true, TaskSeed = 7 }, _out, _err, width: 160);

        Assert.True(exit == 0, _out.ToString());
        Assert.Contains("No divergence", _out.ToString());
        var e = await Assert.ThrowsAsync<KeyNotFoundException>(() => ReplayCommand.RunAsync(new ReplayCommand.Settings { File = path, Rerun = true, TaskSeed = 8 }, _out, _err));
        Assert.Contains("pass the scenario's seed with --task-seed", e.Message);
    }

    [Fact]
    public async Task Rerun_RecordingThatNoLongerMatches_ReportsTheFirstDivergingStep()
    {
        var path = await RecordAsync("support/desk", tasks: 1, taskSeed: 0);
        var original = Assert.Single(TrajectoryReader.Read(path).Trajectories);
        Assert.True(original.Steps.Count >= 2, "the support desk needs several turns");
        // Rewrite the log with step 1's observation changed, as if the environment had answered differently when it was recorded.
        var steps = original.Steps.ToList();
        steps[1] = steps[1] with { Observation = [.. steps[1].Observation.Select(m => m with { Content = m.Content + " (changed)" })] };
        File.Delete(path);
        await using (var recorder = new TrajectoryRecorder(_dir))
            await recorder.OnTrajectoryAsync(original with { Steps = steps }, CancellationToken.None);

        var exit = await ReplayCommand.RunAsync(new ReplayCommand.Settings { File = path, Rerun = true }, _out, _err, width: 200);

        Assert.Equal(1, exit);
        Assert.Contains("First divergence at step 1: observation", _out.ToString());
        Assert.Contains("(changed)", _out.ToString());
        Assert.Contains("1 step(s) matched the recording", _out.ToString());
    }
}
