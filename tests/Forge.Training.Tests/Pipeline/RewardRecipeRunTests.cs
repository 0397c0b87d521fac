using Forge.Core;
using Forge.Host.Recording;
using Forge.Training.Pipeline;
using Forge.Training.Rl;

namespace Forge.Training.Tests.Pipeline;

[Collection(GlobalRngCollection.Name)]   // the run seeds TorchSharp's global generator
public sealed class RewardRecipeRunTests
{
    [Fact]
    public async Task RunAsync_AsyncWithScheduleAndDynamicSampling_FreshGroupsAndModesRecorded()
    {
        var scenario = PipelineFixtures.Scenario("""
            {
              "model": { "d_model": 32, "layers": 1, "heads": 2, "max_seq_len": 192 },
              "mode": "async", "max_staleness": 0, "updates": 3, "groups_per_update": 2, "max_new_tokens": 8, "eval_episodes": 0,
              "reward_schedule": { "start": "binary", "graded_after": { "success_rate": 0.01, "window": 1 } },
              "dynamic_sampling": { "max_refills": 2 }
            }
            """);
        var output = PipelineFixtures.TempDirectory();
        try
        {
            var rows = new List<UpdateMetrics>();
            await TrainingRun.RunAsync(new TrainingSetup
            {
                Scenario = scenario, Registry = PipelineFixtures.Registry, OutputDirectory = output, Device = "cpu", TensorBoard = false,
                Options = TrainerOptions.FromJson(scenario.Trainer, scenario.Path), OnRow = rows.Add,
            }, CancellationToken.None);

            var rl = rows.Where(r => r.Phase == "rl").ToList();
            Assert.Equal(3, rl.Count);
            Assert.All(rl, r => Assert.Equal(0, r.Staleness));   // async, yet never a group from an older policy
            Assert.All(rl, r => Assert.InRange(r.Refills, 0, 2));
            Assert.All(rl, r => Assert.Equal(r.Episodes, (2 + r.Refills) * 4));   // success is counted over refilled groups too
            Assert.All(rl, r => Assert.True(r.RewardModes.ContainsKey("game/vault")));

            var csv = File.ReadAllLines(Path.Combine(output, "metrics.csv"));
            var header = csv[0].Split(',');
            var modeColumn = Array.IndexOf(header, "reward_mode/game/vault");
            Assert.Contains("refills", header);
            Assert.All(csv.Skip(1), line => Assert.Contains(line.Split(',')[modeColumn], new[] { "binary", "graded" }));

            var train = TrajectoryReader.Read(Path.Combine(output, TrajectoryRecorder.DefaultFileName)).Trajectories
                .Where(t => t.GroupId.StartsWith("train:", StringComparison.Ordinal) && t.Termination != Termination.Cancelled).ToList();
            Assert.NotEmpty(train);
            Assert.All(train, t => Assert.NotNull(t.RewardMode));
            Assert.All(train.Where(t => t.RewardMode == RewardMode.Binary), t => Assert.Contains(t.TotalReward, new[] { 0.0, 1.0 }));
            Assert.All(train.GroupBy(t => t.GroupId), g => Assert.Single(g.Select(t => t.RewardMode).Distinct()));
            var firstGraded = rl.FindIndex(r => r.RewardModes["game/vault"] == RewardMode.Graded);
            if (firstGraded < 0) Assert.All(train, t => Assert.Equal(RewardMode.Binary, t.RewardMode));
            else Assert.True(rl.Take(firstGraded + 1).Sum(r => r.SuccessRate * r.Episodes) > 0);   // switched only once something was solved
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }
}
