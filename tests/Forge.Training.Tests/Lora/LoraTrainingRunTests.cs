using Forge.Training.Checkpoints;
using Forge.Training.Lora;
using Forge.Training.Pipeline;
using Forge.Training.Rl;
using Forge.Training.Tests.Pipeline;

namespace Forge.Training.Tests.Lora;

[Collection(GlobalRngCollection.Name)]   // the run seeds TorchSharp's global generator
public sealed class LoraTrainingRunTests
{
    private const string TinyLoraTrainer = """
        {
          "model": { "d_model": 32, "layers": 1, "heads": 2, "max_seq_len": 192 },
          "lora": { "rank": 4, "alpha": 8, "targets": ["q_proj", "v_proj", "up_proj", "down_proj"] },
          "kl_coefficient": 0.05, "learning_rate": 0.01,
          "updates": 2, "groups_per_update": 2, "max_new_tokens": 8, "eval_episodes": 0, "checkpoint_every": 0
        }
        """;

    private static async Task<TrainingResult> Run(string trainer, string output, string? resume = null)
    {
        var scenario = PipelineFixtures.Scenario(trainer);
        return await TrainingRun.RunAsync(new TrainingSetup
        {
            Scenario = scenario, Registry = PipelineFixtures.Registry, OutputDirectory = output, Device = "cpu", TensorBoard = false,
            Options = TrainerOptions.FromJson(scenario.Trainer, scenario.Path), Resume = resume,
        }, CancellationToken.None);
    }

    [Theory]
    [InlineData("fp32")]
    [InlineData("bf16")]
    public async Task RunAsync_LoraOnVault_UpdatesAdaptersWritesMetricsAndResumes(string precision)
    {
        var trainer = TinyLoraTrainer.Replace("\"kl_coefficient\"", $"\"precision\": \"{precision}\", \"kl_coefficient\"");
        var output = PipelineFixtures.TempDirectory();
        try
        {
            var result = await Run(trainer, output);
            Assert.Equal(2, result.Updates);
            var rl = result.Rows.Where(r => r.Phase == "rl").ToList();
            Assert.Equal(2, rl.Count);
            Assert.All(rl, r => Assert.Equal(0, r.ErroredEpisodes));
            Assert.Contains(rl, r => r.Update is { PolicyTokens: > 0 });
            Assert.Contains("rl,", File.ReadAllText(Path.Combine(output, "metrics.csv")));

            // the checkpoint: the untouched base, the adapters in PEFT format, the optimizer over the adapters
            var final = result.FinalCheckpoint;
            Assert.True(PeftAdapter.Exists(final));
            var options = PeftAdapter.ReadOptions(Path.Combine(final, PeftAdapter.ConfigFile));
            Assert.Equal(["q_proj", "v_proj", "up_proj", "down_proj"], options.Targets);
            using (var loaded = Checkpoint.Load(final))
            {
                var adapters = LoraAdapters.Of(loaded.Model)!;
                Assert.Equal(4 * 1, adapters.Layers.Count);
                var trained = rl.Any(r => r.Update is not null);
                Assert.Equal(trained, adapters.Layers.Any(l => l.Layer.B.abs().sum().item<float>() > 0));
                using var fresh = new Forge.Training.Model.CausalTransformer(loaded.Model.Config, seed: 3);   // the run's seed: the base it started from
                var start = fresh.named_parameters().ToDictionary(p => p.name, p => p.parameter);
                Assert.All(loaded.Model.named_parameters(), p => Assert.True(
                    TensorAssert.Same(start[p.name].to_type(TorchSharp.torch.ScalarType.BFloat16), p.parameter.to_type(TorchSharp.torch.ScalarType.BFloat16)), p.name));
            }

            var resumed = await Run(trainer.Replace("\"updates\": 2", "\"updates\": 1"), Path.Combine(output, "resumed"), resume: final);
            Assert.Equal(1, resumed.Updates);
            Assert.Equal(Checkpoint.ReadInfo(final).PolicyVersion + resumed.Rows.Count(r => r.Update is not null), Checkpoint.ReadInfo(resumed.FinalCheckpoint).PolicyVersion);
            Assert.True(PeftAdapter.Exists(resumed.FinalCheckpoint));
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public async Task RunAsync_ResumeWithOtherRank_ErrorNamesLoraPath()
    {
        var output = PipelineFixtures.TempDirectory();
        try
        {
            var result = await Run(TinyLoraTrainer.Replace("\"updates\": 2", "\"updates\": 0"), output);
            var e = await Assert.ThrowsAsync<FormatException>(() => Run(TinyLoraTrainer.Replace("\"rank\": 4", "\"rank\": 8"), Path.Combine(output, "again"), resume: result.FinalCheckpoint));
            Assert.Contains("$.trainer.lora: the checkpoint", e.Message);
            Assert.Contains("rank 4", e.Message);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }
}
