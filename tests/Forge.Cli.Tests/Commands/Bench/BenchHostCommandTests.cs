using System.Diagnostics;
using System.Text.Json;

namespace Forge.Cli.Tests.Commands.Bench;

public sealed class BenchHostCommandTests
{
    [Fact]
    public async Task BenchHost_Json_MeasuresEveryConcurrencyLevelRecordingBesideBothBaselines()
    {
        var (code, stdout, stderr) = await ForgeProcess.RunAsync(AppContext.BaseDirectory, "bench", "host", "--json", "--episodes", "20", "--steps", "1");

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal([1, 2, 64, 1024], root.GetProperty("host").EnumerateArray().Select(h => h.GetProperty("concurrency").GetInt32()));
        Assert.All(root.GetProperty("host").EnumerateArray(), h => Assert.True(h.GetProperty("steps_per_second").GetDouble() > 0));
        Assert.Equal(20, root.GetProperty("direct").GetProperty("episodes").GetInt32());
        Assert.Equal(2048, root.GetProperty("host")[3].GetProperty("episodes").GetInt32()); // at least 2 × concurrency
        Assert.True(root.TryGetProperty("host_overhead_us_per_step", out _));
        // The host rows record: every row's allocations and CPU time are measured, and the recorder's final sync timed apart.
        Assert.All(root.GetProperty("host").EnumerateArray(), h => Assert.True(h.GetProperty("allocated_bytes_per_step").GetDouble() > 0 && h.GetProperty("cpu_us_per_step").GetDouble() > 0));
        Assert.All(root.GetProperty("host").EnumerateArray(), h => Assert.True(h.GetProperty("sync_seconds").GetDouble() > 0));
        // The Python asyncio baseline ran the same episodes at concurrency 64 (python3 is on every machine Forge supports).
        Assert.Equal(JsonValueKind.Null, root.GetProperty("python_failure").ValueKind);
        var python = root.GetProperty("python");
        Assert.Equal((64, 128, 128L), (python.GetProperty("concurrency").GetInt32(), python.GetProperty("episodes").GetInt32(), python.GetProperty("steps").GetInt64()));
        Assert.True(python.GetProperty("steps_per_second").GetDouble() > 0);
        var target = root.GetProperty("host_target");
        Assert.Equal((64, 300_000.0), (target.GetProperty("concurrency").GetInt32(), target.GetProperty("target").GetDouble()));
        Assert.Equal(root.GetProperty("host")[2].GetProperty("steps_per_second").GetDouble(), target.GetProperty("steps_per_second").GetDouble());
        Assert.Equal(4, root.GetProperty("recorder").GetArrayLength());
        Assert.Equal([true, false], root.GetProperty("recorder_speedup").EnumerateArray().Select(s => s.GetProperty("flush_each_record").GetBoolean()));
        Assert.All(root.GetProperty("recorder_speedup").EnumerateArray(), s => Assert.True(s.GetProperty("write").GetDouble() > 0 && s.GetProperty("read").GetDouble() > 0));
    }

    [Fact]
    public async Task PythonBaseline_WritesOneJsonLinePerEpisodeWithEveryStep()
    {
        var folder = Directory.CreateTempSubdirectory("forge-python-baseline-");
        try
        {
            var log = Path.Combine(folder.FullName, "t.jsonl");
            var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "baselines", "host_loop.py"), "--episodes", "10", "--steps", "3", "--concurrency", "4", "--out", log })
                start.ArgumentList.Add(a);
            using var process = Process.Start(start)!;
            var stdout = await process.StandardOutput.ReadToEndAsync();
            var stderr = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();

            Assert.True(process.ExitCode == 0, stderr);
            using var result = JsonDocument.Parse(stdout);
            Assert.Equal((10, 30L), (result.RootElement.GetProperty("episodes").GetInt32(), result.RootElement.GetProperty("steps").GetInt64()));
            var lines = File.ReadAllLines(log);
            Assert.Equal(10, lines.Length);
            Assert.Equal(new FileInfo(log).Length, result.RootElement.GetProperty("bytes").GetInt64());
            Assert.Equal(Enumerable.Range(0, 10).Select(i => $"e{i}"), lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("episode_id").GetString()).Order());
            foreach (var line in lines)
            {
                var trajectory = JsonDocument.Parse(line).RootElement;
                var steps = trajectory.GetProperty("steps").EnumerateArray().ToList();
                Assert.Equal(3, steps.Count);
                Assert.Equal(["1", "2", "3"], steps.Select(s => s.GetProperty("observation")[0].GetProperty("content").GetString()));
                Assert.Equal("tick", steps[0].GetProperty("action").GetProperty("tool_calls")[0].GetProperty("name").GetString());
                Assert.Equal(1.0, trajectory.GetProperty("total_reward").GetDouble());
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
