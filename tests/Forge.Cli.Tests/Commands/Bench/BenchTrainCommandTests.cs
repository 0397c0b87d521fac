using System.Text.Json;

namespace Forge.Cli.Tests.Commands.Bench;

public sealed class BenchTrainCommandTests
{
    [Fact]
    public async Task BenchTrain_Json_ThroughputBesideTheBareLoopAndSyncBesideAsync()
    {
        var (code, stdout, stderr) = await ForgeProcess.RunAsync(AppContext.BaseDirectory, "bench", "train", "--json", "--device", "cpu", "--steps", "1", "--rl-updates", "1", "--trainer-variants", "1");

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal("cpu", root.GetProperty("device").GetString());
        var sizes = root.GetProperty("sizes").EnumerateArray().ToList();
        Assert.Equal(2, sizes.Count);
        Assert.All(sizes, s =>
        {
            Assert.True(s.GetProperty("bare_train_tokens_per_s").GetDouble() > 0);
            Assert.True(s.GetProperty("pipeline_train_tokens_per_s").GetDouble() > 0);
            Assert.True(s.GetProperty("generation_tokens_per_s").GetDouble() > 0);
        });
        var modes = root.GetProperty("rollout_modes");
        Assert.Equal(["sync", "async"], modes.GetProperty("modes").EnumerateArray().Select(m => m.GetProperty("mode").GetString()));
        Assert.All(modes.GetProperty("modes").EnumerateArray(), m =>
        {
            Assert.True(m.GetProperty("wall_s").GetDouble() > 0);
            Assert.Equal(4 * 8, m.GetProperty("trained_episodes").GetDouble()); // one update: 4 groups of 8
            Assert.True(m.GetProperty("cpu_s").GetDouble() > 0);
            Assert.Equal(JsonValueKind.Null, m.GetProperty("steady_seconds_per_update").ValueKind);   // one update: no pipeline to fill
            Assert.Equal(0, m.GetProperty("stale_groups").GetInt32());
        });
        var variants = root.GetProperty("trainer_variants").EnumerateArray().ToList();
        Assert.Equal("full fp32", variants[0].GetProperty("name").GetString());
        Assert.Equal(1.0, variants[0].GetProperty("time_ratio").GetDouble());
        var lora = variants.Single(v => v.GetProperty("name").GetString() == "lora r16 bf16");
        Assert.True(lora.GetProperty("trainable_parameters").GetInt64() < variants[0].GetProperty("trainable_parameters").GetInt64() / 5);
        Assert.True(lora.GetProperty("state_mb").GetDouble() < variants[0].GetProperty("state_mb").GetDouble() / 4);
        Assert.All(variants, v => Assert.True(v.GetProperty("tokens_per_s").GetDouble() > 0));
    }

    [Fact]
    public async Task BenchTrain_NegativeTrainerVariants_ExitsTwoNamingTheOption()
    {
        var (code, _, stderr) = await ForgeProcess.RunAsync(AppContext.BaseDirectory, "bench", "train", "--trainer-variants", "-1");

        Assert.Equal(2, code);
        Assert.Contains("--trainer-variants", stderr);
    }

    [Fact]
    public async Task BenchTrain_NegativeRlUpdates_ExitsTwoNamingTheOption()
    {
        var (code, _, stderr) = await ForgeProcess.RunAsync(AppContext.BaseDirectory, "bench", "train", "--rl-updates", "-1");

        Assert.Equal(2, code);
        Assert.Contains("--rl-updates", stderr);
    }
}
