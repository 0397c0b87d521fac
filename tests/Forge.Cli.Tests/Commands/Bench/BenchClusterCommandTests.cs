using System.Diagnostics;
using System.Text.Json;

namespace Forge.Cli.Tests.Commands.Bench;

public sealed class BenchClusterCommandTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("forge-bench-cluster-test-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public async Task BenchCluster_Json_EverySetupRunsEveryRoundAndTheEfficiencyIsTakenRoundByRound()
    {
        // The bench's worker folders go under this test's own temporary folder, so what it leaves behind can be seen.
        var environment = new Dictionary<string, string?> { ["TMPDIR"] = _temp.FullName };
        var (code, stdout, stderr) = await ForgeProcess.RunAsync(_temp.FullName,
            ["bench", "cluster", "--json", "--workers", "2,1", "--episodes", "12", "--capacity", "2", "--repeats", "3"], environment);

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        var runs = root.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal([("in process", 0, 2), ("cluster", 1, 2), ("in process", 0, 4), ("cluster", 2, 4)],
            runs.Select(r => (r.GetProperty("run").GetString(), r.GetProperty("workers").GetInt32(), r.GetProperty("concurrency").GetInt32())));
        double[] Rounds(JsonElement run) => [.. run.GetProperty("rounds_episodes_per_second").EnumerateArray().Select(x => x.GetDouble())];
        Assert.All(runs, r =>
        {
            Assert.Equal(12, r.GetProperty("episodes").GetInt32());
            Assert.Equal(0, r.GetProperty("errored").GetInt32());
            Assert.Equal(3, Rounds(r).Length);
            Assert.Equal(Rounds(r).Order().ElementAt(1), r.GetProperty("episodes_per_second").GetDouble(), 6);   // the median round
        });
        // Two workers against twice one worker, in each round; the median of the three.
        var perRound = Rounds(runs[3]).Zip(Rounds(runs[1]), (two, one) => two / (2 * one)).ToList();
        Assert.Equal(perRound, runs[3].GetProperty("efficiency_rounds").EnumerateArray().Select(x => x.GetDouble()), new ToleranceComparer(1e-9));
        Assert.Equal(perRound.Order().ElementAt(1), root.GetProperty("efficiency_at_largest").GetDouble(), 9);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("efficiency_at_4").ValueKind);
        Assert.True(root.GetProperty("dispatch_overhead_ms").GetDouble() > 0);

        // Nothing left: the workers' folders are removed and no worker process of this run is alive.
        Assert.Empty(_temp.EnumerateFileSystemInfos());
        Assert.DoesNotContain(Process.GetProcesses(), p => CommandLine(p).Contains(_temp.FullName, StringComparison.Ordinal));
    }

    [Fact]
    public async Task BenchCluster_ZeroRepeats_ExitsTwoNamingTheOption()
    {
        var (code, _, stderr) = await ForgeProcess.RunAsync(_temp.FullName, "bench", "cluster", "--repeats", "0");

        Assert.Equal(2, code);
        Assert.Contains("--repeats", stderr);
    }

    private static string CommandLine(Process process)
    {
        try { return File.ReadAllText($"/proc/{process.Id}/cmdline").Replace('\0', ' '); }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance * Math.Max(1, Math.Abs(x));

        public int GetHashCode(double obj) => 0;
    }
}
