using System.Text.Json;
using Forge.Cli.Commands.Trajectories;
using Forge.Cli.Tests.Commands.Run;
using Forge.Host.Recording;

namespace Forge.Cli.Tests.Commands.Trajectories;

/// <summary>
/// Each shipped environment keeps a recorded log (environments/*/golden); <c>forge replay --rerun-all</c> must reproduce
/// every episode of it, so a change in an environment's behaviour fails here, naming the episode and the step.
/// </summary>
public sealed class GoldenLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("forge-cli-golden-").FullName;
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Golden(string folder) => Path.Combine(ForgeProcess.RepositoryRoot, "environments", folder, "trajectories.forge");

    public static TheoryData<string, string> Logs => new()
    {
        { "MathReasoning/golden/arithmetic", "math/arithmetic" },
        { "MathReasoning/golden/word-problems", "math/word-problems" },
        { "SupportDesk/golden/desk", "support/desk" },
        { "Vault/golden/vault", "game/vault" },
        { "PythonCoding/golden/python-functions", "code/python-functions" },
        { "PythonCoding/golden/python-session", "code/python-session" },
        { "Latency/golden/latency", "bench/latency" },
    };

    [Fact]
    public void Logs_CoverEveryShippedEnvironment()
    {
        var registry = Forge.Host.Registry.EnvironmentRegistry.Load(Path.Combine(ForgeProcess.RepositoryRoot, "environments.json"));
        Assert.Equal(registry.Environments.Select(e => e.Id).Order(), Logs.Select(row => (string)row[1]).Order());
    }

    [Theory]
    [MemberData(nameof(Logs))]
    public async Task RerunAll_GoldenLog_ReproducesEveryEpisode(string folder, string environmentId)
    {
        var exit = await ReplayCommand.RunAsync(new ReplayCommand.Settings { File = Golden(folder), RerunAll = true, Json = true }, _out, _err);

        using var json = JsonDocument.Parse(_out.ToString());
        var root = json.RootElement;
        Assert.True(exit == 0, _out.ToString());
        Assert.Equal(6, root.GetProperty("episodes").GetInt32());
        Assert.Equal(6, root.GetProperty("reproduced").GetArrayLength());
        Assert.Equal(0, root.GetProperty("diverged").GetArrayLength());
        Assert.Equal(0, root.GetProperty("not_rerunnable").GetArrayLength());
        Assert.All(TrajectoryReader.Read(Golden(folder)).Trajectories, t => Assert.Equal(environmentId, t.EnvironmentId));
    }

    [Fact]
    public async Task RerunAll_LogWhoseRewardNoLongerMatches_FailsNamingTheEpisodeAndStep()
    {
        // As if the environment's reward had changed since recording: the log's last step of one episode says 0.25 more.
        var recorded = TrajectoryReader.Read(Golden("Vault/golden/vault")).Trajectories;
        var changed = recorded[2];
        await using (var recorder = new TrajectoryRecorder(_dir))
            foreach (var t in recorded)
                await recorder.OnTrajectoryAsync(t != changed ? t : t with
                {
                    Steps = [.. t.Steps.Select(s => s.Index == t.Steps.Count - 1 ? s with { Reward = s.Reward + 0.25 } : s)],
                }, CancellationToken.None);

        var path = Path.Combine(_dir, TrajectoryRecorder.DefaultFileName);
        var exit = await ReplayCommand.RunAsync(new ReplayCommand.Settings { File = path, RerunAll = true, Json = true }, _out, _err);

        Assert.Equal(1, exit);
        using var json = JsonDocument.Parse(_out.ToString());
        var diverged = Assert.Single(json.RootElement.GetProperty("diverged").EnumerateArray());
        Assert.Equal(changed.EpisodeId, diverged.GetProperty("episode_id").GetString());
        Assert.Equal(changed.Steps.Count - 1, diverged.GetProperty("step").GetInt32());
        Assert.Equal(5, json.RootElement.GetProperty("reproduced").GetArrayLength());

        var table = new StringWriter();
        Assert.Equal(1, await ReplayCommand.RunAsync(new ReplayCommand.Settings { File = path, RerunAll = true }, table, _err, width: 240));
        Assert.Contains($"{changed.EpisodeId}", table.ToString());
        Assert.Contains($"diverged at step {changed.Steps.Count - 1}", table.ToString());
        Assert.Contains("6 episode(s): 5 reproduced, 1 diverged, 0 not rerunnable.", table.ToString());
    }

    [Fact]
    public async Task RerunAll_Version1SampleWithoutProvenance_SaysWhichEpisodesCantBeRerunAndWhy()
    {
        var sample = Path.Combine(ForgeProcess.RepositoryRoot, "tests", "TestData", "trajectories", "v1.forge");

        var exit = await ReplayCommand.RunAsync(new ReplayCommand.Settings { File = sample, RerunAll = true, Json = true }, _out, _err);

        using var json = JsonDocument.Parse(_out.ToString());
        var root = json.RootElement;
        Assert.Equal(1, exit);
        Assert.Equal(4, root.GetProperty("episodes").GetInt32());
        var skipped = root.GetProperty("not_rerunnable").EnumerateArray().ToDictionary(n => n.GetProperty("episode_id").GetString()!, n => n.GetProperty("why").GetString()!);
        Assert.Equal(["ep-0001", "ep-0003", "ep-0004"], skipped.Keys.Order());
        Assert.Equal("task `add-1` is not among math/arithmetic's tasks for task seed 0; the episode was recorded without provenance, so pass the scenario's seed with --task-seed", skipped["ep-0001"]);
        Assert.StartsWith("environment `game/lookup` is not in ", skipped["ep-0004"]);
        var diverged = Assert.Single(root.GetProperty("diverged").EnumerateArray());
        Assert.Equal(("ep-0002", "tools"), (diverged.GetProperty("episode_id").GetString(), diverged.GetProperty("what").GetString()));
        // The sample recorded support/desk version 2, the version it has now: no version change is claimed.
        Assert.DoesNotContain(diverged.GetProperty("changes").EnumerateArray().Select(c => c.GetString()), c => c!.Contains("is now version", StringComparison.Ordinal));

        var filtered = new StringWriter();
        await ReplayCommand.RunAsync(new ReplayCommand.Settings { File = sample, RerunAll = true, Json = true, Env = "math/arithmetic" }, filtered, _err);
        Assert.Equal(2, JsonDocument.Parse(filtered.ToString()).RootElement.GetProperty("episodes").GetInt32());
    }
}
