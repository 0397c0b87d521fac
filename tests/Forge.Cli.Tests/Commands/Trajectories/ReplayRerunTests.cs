using System.Diagnostics;
using Forge.Cli.Commands.Trajectories;
using Forge.Core;
using Forge.Host;
using Forge.Host.Recording;
using Forge.Host.Registry;
using Forge.Sandbox;

namespace Forge.Cli.Tests.Commands.Trajectories;

/// <summary><c>forge replay --rerun</c> on episodes recorded from the shipped environments with their scripted solvers.</summary>
public sealed class ReplayRerunTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("forge-cli-rerun-").FullName;
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Records <paramref name="tasks"/> episodes of <paramref name="environmentId"/> with its solver, as <c>forge run</c> does (provenance included).</summary>
    internal static async Task<string> RecordAsync(string directory, string environmentId, int tasks, int taskSeed, ISandboxProvider? sandboxes = null, IAgent? agent = null)
    {
        var registry = EnvironmentRegistry.Load(EnvironmentRegistry.DefaultPath);
        var environment = registry.Get(environmentId);
        var requests = environment.Tasks(taskSeed, tasks)
            .Select((task, i) => new EpisodeRequest($"{environmentId}:{task.Id}", environmentId, task, Seed: 100 + i, GroupId: task.Id)
            {
                Limits = environment.Limits,
                RewardMode = environment.RewardMode,
                TaskProvenance = environment.TaskProvenance(task, taskSeed),
            });
        var engine = new RolloutEngine(new RolloutOptions { Concurrency = 2 }, id => registry.Get(id).Create(), agent ?? environment.CreateSolver()!, sandboxes);
        await using var recorder = new TrajectoryRecorder(directory);
        await engine.RunAsync(requests, [recorder], CancellationToken.None);
        return recorder.Path;
    }

    private static async Task RewriteAsync(string path, Func<Trajectory, Trajectory> change)
    {
        var trajectories = TrajectoryReader.Read(path).Trajectories;
        File.Delete(path);
        await using var recorder = new TrajectoryRecorder(Path.GetDirectoryName(path)!);
        foreach (var t in trajectories) await recorder.OnTrajectoryAsync(change(t), CancellationToken.None);
    }

    [Fact]
    public async Task Rerun_UnchangedEnvironment_ReportsNoDivergence()
    {
        var path = await RecordAsync(_dir, "support/desk", tasks: 2, taskSeed: 0);
        var recorded = TrajectoryReader.Read(path).Trajectories;
        Assert.All(recorded, t => Assert.Equal(Termination.Terminated, t.Termination));

        var exit = await ReplayCommand.RunAsync(new ReplayCommand.Settings { File = path, Index = 1, Rerun = true }, _out, _err, width: 160);

        Assert.Equal(0, exit);
        Assert.Contains($"Re-ran {recorded[1].EpisodeId} against support/desk v2: {recorded[1].Steps.Count} step(s) matched the recording.", _out.ToString());
        Assert.Contains("No divergence", _out.ToString());
        Assert.DoesNotContain("changed since recording", _out.ToString());
    }

    [Fact]
    public async Task Rerun_GeneratedTasks_FindsTheTaskFromProvenanceWithoutFlags()
    {
        var path = await RecordAsync(_dir, "game/vault", tasks: 1, taskSeed: 7);
        var recorded = Assert.Single(TrajectoryReader.Read(path).Trajectories);
        Assert.Equal((TaskProvenance.GeneratorSource, 7), (recorded.Provenance!.Task!.Source, recorded.Provenance.Task.GeneratorSeed));

        var exit = await ReplayCommand.RunAsync(new ReplayCommand.Settings { File = path, Rerun = true }, _out, _err, width: 160);

        Assert.True(exit == 0, _out.ToString());
        Assert.Contains("No divergence", _out.ToString());
        var wrongSeed = await ReplayCommand.RunAsync(new ReplayCommand.Settings { File = path, Rerun = true, TaskSeed = 8 }, _out, _err);
        Assert.Equal(2, wrongSeed);
        Assert.Contains($"forge: episode {recorded.EpisodeId} can't be re-executed: task `{recorded.TaskId}` is not among game/vault's tasks (task seed 8)", _err.ToString());
    }

    [Fact]
    public async Task Rerun_RecordingThatNoLongerMatches_ReportsTheFirstDivergingStep()
    {
        var path = await RecordAsync(_dir, "support/desk", tasks: 1, taskSeed: 0);
        Assert.True(TrajectoryReader.Read(path).Trajectories[0].Steps.Count >= 2, "the support desk needs several turns");
        // Rewrite the log with step 1's observation changed, as if the environment had answered differently when it was recorded.
        await RewriteAsync(path, t => t with
        {
            Steps = [.. t.Steps.Select(s => s.Index != 1 ? s : s with { Observation = [.. s.Observation.Select(m => m with { Content = m.Content + " (changed)" })] })],
        });

        var exit = await ReplayCommand.RunAsync(new ReplayCommand.Settings { File = path, Rerun = true }, _out, _err, width: 200);

        Assert.Equal(1, exit);
        Assert.Contains("First divergence at step 1: observation", _out.ToString());
        Assert.Contains("(changed)", _out.ToString());
        Assert.Contains("1 step(s) matched the recording", _out.ToString());
    }

    [Fact]
    public async Task Rerun_TaskAndEnvironmentChangedSinceRecording_SaysSoFirstThenStillShowsTheDiff()
    {
        var path = await RecordAsync(_dir, "math/word-problems", tasks: 1, taskSeed: 0);
        await RewriteAsync(path, t => t with
        {
            EnvironmentVersion = "0",
            Provenance = t.Provenance! with { EnvironmentVersion = "0", Task = t.Provenance.Task! with { ContentHash = new string('0', 64) } },
        });

        var exit = await ReplayCommand.RunAsync(new ReplayCommand.Settings { File = path, Rerun = true }, _out, _err, width: 240);

        var lines = _out.ToString().Split('\n');
        Assert.Equal(0, exit);
        Assert.StartsWith("changed since recording: math/word-problems is now version 2; the episode was recorded with version 0", lines[0]);
        Assert.StartsWith("changed since recording: task `wp-01` changed since the episode was recorded (content hash 000000000000 then", lines[1]);
        Assert.Contains("No divergence", _out.ToString());
    }

    [Fact]
    public async Task Rerun_CodeEpisodeOnTheLocalSandbox_RebuildsTheSandboxAndReproducesIt()
    {
        await using var sandboxes = SandboxProviders.Create(SandboxOptions.Default with { PoolSize = 0 });
        var path = await RecordAsync(_dir, "code/python-session", tasks: 1, taskSeed: 0, sandboxes);
        var recorded = Assert.Single(TrajectoryReader.Read(path).Trajectories);
        Assert.Equal("local", recorded.Provenance!.Sandbox!.Backend);
        Assert.Equal(3, recorded.Steps.Count);   // define in the session, call it there, submit

        var exit = await ReplayCommand.RunAsync(new ReplayCommand.Settings { File = path, Rerun = true }, _out, _err, width: 200);

        Assert.True(exit == 0, _out.ToString() + _err.ToString());
        Assert.Contains("in a local sandbox: 3 step(s) matched the recording", _out.ToString());
    }

    [SkippableFact]
    public async Task Rerun_CodeEpisodeOnTheDockerSandbox_RebuildsTheContainerAndReproducesIt()
    {
        DockerRequirement.Require();
        await using var sandboxes = SandboxProviders.Create(SandboxOptions.Default with { Backend = "docker", PoolSize = 0 });
        var path = await RecordAsync(_dir, "code/python-functions", tasks: 1, taskSeed: 0, sandboxes);
        var recorded = Assert.Single(TrajectoryReader.Read(path).Trajectories);
        Assert.Equal(("docker", "forge-sandbox:py3"), (recorded.Provenance!.Sandbox!.Backend, recorded.Provenance.Sandbox.Image));
        Assert.StartsWith("sha256:", recorded.Provenance.Sandbox.ImageId);

        var exit = await ReplayCommand.RunAsync(new ReplayCommand.Settings { File = path, Rerun = true }, _out, _err, width: 200);

        Assert.True(exit == 0, _out.ToString() + _err.ToString());
        Assert.Contains($"in a docker sandbox: {recorded.Steps.Count} step(s) matched the recording", _out.ToString());
    }
}

/// <summary>Skips a test (fails it with CI=true) unless a Docker engine answers and has the sandbox image (scripts/docker-engine, scripts/build-sandbox-image).</summary>
internal static class DockerRequirement
{
    private static readonly Lazy<string?> Missing = new(Probe);

    public static void Require()
    {
        if (Missing.Value is { } reason) Requirement.Meet(false, reason);
    }

    private static string? Probe()
    {
        try
        {
            using var docker = Process.Start(new ProcessStartInfo("docker", ["image", "inspect", "--format", "{{.Id}}", "forge-sandbox:py3"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            if (!docker.WaitForExit(TimeSpan.FromSeconds(10))) { docker.Kill(); return "the Docker engine did not answer within 10 s"; }
            return docker.ExitCode == 0 ? null : $"no Docker engine with the image forge-sandbox:py3 ({docker.StandardError.ReadToEnd().Trim()}); run scripts/docker-engine and scripts/build-sandbox-image";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "the docker client is not installed; run scripts/docker-engine";
        }
    }
}
