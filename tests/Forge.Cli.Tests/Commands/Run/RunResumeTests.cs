using System.Diagnostics;
using System.Text.Json;
using Forge.Host.Recording;

namespace Forge.Cli.Tests.Commands.Run;

public sealed class RunResumeTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("forge-resume-test-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public async Task Run_KilledMidRunThenRunAgain_ResumesEveryEpisodeRecordedOnce()
    {
        // Episodes that take ≈ 60 ms each (three 20 ms tool calls), 8 at once: the run lasts ≈ 3 s, so the kill lands
        // mid-run however fast the host and the recorder are (8,000 arithmetic episodes could end between two polls).
        const int Episodes = 100 * 4;
        var scenario = Path.Combine(_temp.FullName, "resume.json");
        await File.WriteAllTextAsync(scenario, """{ "name": "resume", "environments": [ { "id": "bench/latency", "tasks": 100 } ], "agent": { "type": "scripted" }, "episodes_per_task": 4, "concurrency": 8 }""");
        var output = Path.Combine(_temp.FullName, "out");
        var log = Path.Combine(output, TrajectoryRecorder.DefaultFileName);

        // kill -9 once some episodes are recorded: no handler runs, a record may be cut in half.
        var (killedCode, _, _) = await ForgeProcess.RunAsync(_temp.FullName, ["run", scenario, "--json", "--out", output], async pid =>
        {
            var waited = Stopwatch.StartNew();
            while (!(File.Exists(log) && new FileInfo(log).Length > 10_000) && waited.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(20);
            using var kill = Process.Start("kill", ["-KILL", pid.ToString()]);
            await kill.WaitForExitAsync();
        });
        Assert.Equal(137, killedCode);
        var before = RecordedRun.Read(log).FinishedCount;
        Assert.InRange(before, 1, Episodes - 1);

        var (code, stdout, stderr) = await ForgeProcess.RunAsync(_temp.FullName, "run", scenario, "--json", "--out", output);

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var resumed = json.RootElement.GetProperty("resumed");
        Assert.Equal(before, resumed.GetProperty("already_recorded").GetInt32());
        Assert.Equal(Episodes - before, resumed.GetProperty("to_run").GetInt32());
        Assert.Equal(Episodes - before, json.RootElement.GetProperty("summary").GetProperty("episodes").GetInt32());
        var file = TrajectoryReader.Read(log);
        Assert.Empty(file.Corrupt);   // a torn tail, if the kill left one, was cut before appending
        Assert.Equal(Episodes, file.Trajectories.Count);
        Assert.Equal(Episodes, file.Trajectories.Select(t => t.EpisodeId).Distinct().Count());

        // A third run finds nothing left to do.
        var (again, againOut, againErr) = await ForgeProcess.RunAsync(_temp.FullName, "run", scenario, "--json", "--out", output);
        Assert.True(again == 0, againErr);
        using var againJson = JsonDocument.Parse(againOut);
        Assert.Equal(0, againJson.RootElement.GetProperty("summary").GetProperty("episodes").GetInt32());
        Assert.Equal(Episodes, TrajectoryReader.Read(log).Trajectories.Count);
    }

    [Fact]
    public async Task Run_OutputOfAnotherSeed_Exit2NamingTheLogAndSeeds()
    {
        var scenario = Path.Combine(_temp.FullName, "small.json");
        await File.WriteAllTextAsync(scenario, """{ "name": "small", "environments": [ { "id": "math/arithmetic", "tasks": 2 } ], "agent": { "type": "scripted" } }""");
        var output = Path.Combine(_temp.FullName, "out");
        var (first, _, firstErr) = await ForgeProcess.RunAsync(_temp.FullName, "run", scenario, "--json", "--out", output, "--seed", "1");
        Assert.True(first == 0, firstErr);

        var (code, stdout, stderr) = await ForgeProcess.RunAsync(_temp.FullName, "run", scenario, "--json", "--out", output, "--seed", "2");

        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.Contains(Path.Combine(output, TrajectoryRecorder.DefaultFileName), stderr);
        Assert.Contains("another scenario or seed", stderr);
    }
}
