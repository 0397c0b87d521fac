using System.Text.Json;

namespace Forge.Cli.Tests.Commands.Bench;

public sealed class BenchPrefixCommandTests
{
    [Fact]
    public async Task BenchPrefix_Json_GenerationAndTrainingBesideTheWholePromptBaseline()
    {
        var (code, stdout, stderr) = await ForgeProcess.RunAsync(AppContext.BaseDirectory, "bench", "prefix", "--json", "--device", "cpu", "--repeats", "1");

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var results = json.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["generation (generated tokens/s)", "training step (tokens/s)"], results.Select(r => r.GetProperty("name").GetString()));
        Assert.All(results, r =>
        {
            Assert.True(r.GetProperty("whole_prompt_tokens_per_s").GetDouble() > 0);
            Assert.True(r.GetProperty("shared_prefix_tokens_per_s").GetDouble() > 0);
            Assert.Equal(r.GetProperty("whole_prompt_s").GetDouble() / r.GetProperty("shared_prefix_s").GetDouble(), r.GetProperty("speedup").GetDouble(), 6);
        });
        Assert.Equal(32 * 16, results[0].GetProperty("tokens").GetDouble());   // 32 rows × 16 new tokens
    }

    [Fact]
    public async Task BenchPrefix_ZeroRepeats_ExitsTwoNamingTheOption()
    {
        var (code, _, stderr) = await ForgeProcess.RunAsync(AppContext.BaseDirectory, "bench", "prefix", "--repeats", "0");

        Assert.Equal(2, code);
        Assert.Contains("--repeats", stderr);
    }
}
