using System.Text.Json;

namespace Forge.Cli.Tests.Commands.Bench;

public sealed class BenchViewCommandTests
{
    [Fact]
    public async Task BenchView_Json_TimesOpenFilterAndLookupOnTheLogItWrote()
    {
        var (code, stdout, stderr) = await ForgeProcess.RunAsync(AppContext.BaseDirectory, "bench", "view", "--json", "--episodes", "300");

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal(300, root.GetProperty("episodes").GetInt32());
        // The filter asks for failed support/desk episodes: episode i is support/desk when i % 4 == 2 and failed when i % 3 == 0.
        Assert.Equal(Enumerable.Range(0, 300).Count(i => i % 4 == 2 && i % 3 == 0), root.GetProperty("matched").GetInt32());
        foreach (var name in new[] { "cold_open_and_filter_ms", "open_and_filter_ms", "filter_ms", "lookup_mean_ms", "lookup_p99_ms", "page_lookup_mean_ms" })
            Assert.True(root.GetProperty(name).GetDouble() > 0, name);
        Assert.Equal(2000, root.GetProperty("open_and_filter_target_ms").GetDouble());
        Assert.True(root.GetProperty("index_bytes").GetInt64() > 300 * 50);
    }
}
