using Forge.Host.Recording;
using Forge.Training.Checkpoints;
using Forge.Training.Pipeline;
using Forge.Training.Rl;

namespace Forge.Training.Tests.Pipeline;

[Collection(GlobalRngCollection.Name)]   // the run seeds TorchSharp's global generator
public sealed class TrainingRunTests
{
    private const string TinyTrainer = """
        {
          "model": { "d_model": 32, "layers": 1, "heads": 2, "max_seq_len": 192 },
          "updates": 3, "groups_per_update": 2, "max_new_tokens": 8, "eval_episodes": 4, "checkpoint_every": 2,
          "warm_start": { "episodes": 8, "epochs": 1, "solver": "Forge.Environments.Vault.VaultNoviceSolver" }
        }
        """;

    [Theory]
    [InlineData("async")]
    [InlineData("sync")]
    public async Task RunAsync_TinyConfig_RunsEndToEndAndWritesOutputs(string mode)
    {
        var scenario = PipelineFixtures.Scenario(TinyTrainer.Replace("\"updates\": 3", $"\"mode\": \"{mode}\", \"updates\": 3"));
        var output = PipelineFixtures.TempDirectory();
        try
        {
            var rows = new List<UpdateMetrics>();
            var result = await TrainingRun.RunAsync(new TrainingSetup
            {
                Scenario = scenario, Registry = PipelineFixtures.Registry, OutputDirectory = output, Device = "cpu",
                Options = TrainerOptions.FromJson(scenario.Trainer, scenario.Path), OnRow = rows.Add,
            }, CancellationToken.None);

            Assert.Equal(3, result.Updates);
            Assert.Equal(["eval", "warm_start", "eval", "rl", "rl", "rl", "eval"], rows.Select(r => r.Phase));
            Assert.All(rows.Where(r => r.Phase == "rl"), r => Assert.Equal(2 * 4, r.Episodes));
            Assert.NotNull(result.SuccessBefore);
            var csv = File.ReadAllLines(Path.Combine(output, "metrics.csv"));
            Assert.Equal(rows.Count + 1, csv.Length);
            Assert.StartsWith("phase,step,wall_s", csv[0]);
            Assert.Contains("errored_episodes", csv[0]);
            Assert.All(rows, r => Assert.Equal(0, r.ErroredEpisodes));   // a full context truncates the episode; it doesn't error it
            Assert.Contains("success_rate/game/vault", csv[0]);
            Assert.True(new FileInfo(Path.Combine(output, "reward-curve.png")).Length > 1000);
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(output, "tensorboard"), "*", SearchOption.AllDirectories));
            Assert.True(Directory.Exists(Path.Combine(output, "checkpoints", "update-00002")));
            Assert.Equal(result.FinalCheckpoint, Path.Combine(output, "checkpoints", "final"));

            var info = Checkpoint.ReadInfo(result.FinalCheckpoint);
            var rlRows = rows.Where(r => r.Phase == "rl").ToList();
            Assert.Equal(rlRows[^1].PolicyVersion, info.PolicyVersion);

            var recorded = TrajectoryReader.Read(Path.Combine(output, TrajectoryRecorder.DefaultFileName));
            Assert.Empty(recorded.Corrupt);
            var policyEpisodes = recorded.Trajectories.Where(t => t.AgentId == "policy" && t.GroupId.StartsWith("train:", StringComparison.Ordinal)).ToList();
            Assert.True(policyEpisodes.Count >= 3 * 2 * 4);
            Assert.All(policyEpisodes.SelectMany(t => t.Steps), s => Assert.Equal(s.Action.TokenIds!.Count, s.Action.LogProbs!.Count));
            Assert.Contains(recorded.Trajectories, t => t.AgentId == "warm-start");
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }
}
