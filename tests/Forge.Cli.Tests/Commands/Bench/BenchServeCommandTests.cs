using System.Text.Json;

namespace Forge.Cli.Tests.Commands.Bench;

public sealed class BenchServeCommandTests
{
    [Fact]
    public async Task BenchServe_Json_FixedOutputLengthsInEveryModeAndTheRatios()
    {
        var (code, stdout, stderr) = await ForgeProcess.RunAsync(AppContext.BaseDirectory, "bench", "serve", "--json", "--device", "cpu",
            "--requests", "6", "--max-tokens", "5", "--concurrency", "1,3", "--rounds", "2", "--d-model", "32", "--layers", "1");

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        var results = root.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([("server", 1), ("server", 3), ("in_process", 1), ("in_process", 3)],
            results.Select(r => (r.GetProperty("mode").GetString(), r.GetProperty("concurrency").GetInt32())));
        Assert.All(results, r =>
        {
            Assert.Equal(6 * 5, r.GetProperty("output_tokens").GetInt64());   // ignore_eos: every reply runs to max_tokens
            Assert.Equal(2, r.GetProperty("tokens_per_second_rounds").GetArrayLength());
            Assert.True(r.GetProperty("cpu_ms_per_token").GetDouble() > 0);
        });
        double Rate(int i) => results[i].GetProperty("tokens_per_second").GetDouble();
        // The ratios are printed rounded to 2–3 decimals from unrounded rates (the rates to 0.1 tokens/s).
        void Ratio(double expected, string name) =>
            Assert.True(Math.Abs(root.GetProperty(name).GetDouble() - expected) <= 0.006 + 0.001 * expected, $"{name} = {root.GetProperty(name)}, the rates give {expected}");
        Ratio(Rate(1) / Rate(0), "batching_speedup");
        // Server over in-process at the top concurrency: the median (lower, of two rounds) of each round's back-to-back ratio.
        double[] Rounds(int i) => [.. results[i].GetProperty("tokens_per_second_rounds").EnumerateArray().Select(x => x.GetDouble())];
        var paired = Rounds(1).Zip(Rounds(3), (s, p) => s / p).ToList();
        var reported = root.GetProperty("server_vs_in_process_rounds").EnumerateArray().Select(x => x.GetDouble()).ToList();
        Assert.Equal(paired.Count, reported.Count);
        Assert.All(paired.Zip(reported), p => Assert.True(Math.Abs(p.First - p.Second) <= 0.006, $"round ratio {p.Second}, the rates give {p.First}"));
        Ratio(paired.Min(), "server_vs_in_process_at_3");
        Ratio(Rate(3) / Rate(2), "in_process_batching_speedup");
    }

    [Fact]
    public async Task BenchServe_ZeroRounds_ExitsTwoNamingTheOption()
    {
        var (code, _, stderr) = await ForgeProcess.RunAsync(AppContext.BaseDirectory, "bench", "serve", "--rounds", "0");

        Assert.Equal(2, code);
        Assert.Contains("--rounds", stderr);
    }
}
