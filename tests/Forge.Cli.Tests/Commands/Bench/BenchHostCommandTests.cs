using System.Text.Json;

namespace Forge.Cli.Tests.Commands.Bench;

public sealed class BenchHostCommandTests
{
    [Fact]
    public async Task BenchHost_Json_MeasuresEveryConcurrencyLevelBesideTheBaseline()
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
        Assert.Equal(4, root.GetProperty("recorder").GetArrayLength());
        Assert.Equal([true, false], root.GetProperty("recorder_speedup").EnumerateArray().Select(s => s.GetProperty("flush_each_record").GetBoolean()));
        Assert.All(root.GetProperty("recorder_speedup").EnumerateArray(), s => Assert.True(s.GetProperty("write").GetDouble() > 0 && s.GetProperty("read").GetDouble() > 0));
    }
}
