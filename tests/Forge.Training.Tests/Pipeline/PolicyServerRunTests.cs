using System.Threading.Channels;
using Forge.Core;
using Forge.Host;
using Forge.Training.Model;
using Forge.Training.Pipeline;
using Forge.Training.Rl;

namespace Forge.Training.Tests.Pipeline;

/// <summary>
/// A training run whose policy is served elsewhere (<see cref="TrainingSetup.PolicyServer"/>, as for agent programs): every
/// phase's episodes run on the server's runner, the trainer's weights reach it before the first episode and after every
/// update, and the updates learn from the token sequences recorded with the trajectories, not from their messages.
/// </summary>
[Collection(GlobalRngCollection.Name)]   // the run seeds TorchSharp's global generator
public sealed class PolicyServerRunTests
{
    [Fact]
    public async Task RunAsync_WithAPolicyServer_LearnsFromTheRecordedSequencesAndServesEveryVersion()
    {
        var scenario = PipelineFixtures.Scenario("""
            { "model": { "d_model": 16, "layers": 1, "heads": 2, "max_seq_len": 64 }, "updates": 2, "groups_per_update": 2,
              "eval_episodes": 2, "checkpoint_every": 0, "mode": "sync", "warmup_updates": 0 }
            """, groupSize: 2);
        var server = new RecordingServer();
        var output = PipelineFixtures.TempDirectory();
        try
        {
            var result = await TrainingRun.RunAsync(new TrainingSetup
            {
                Scenario = scenario, Registry = PipelineFixtures.Registry, OutputDirectory = output, Device = "cpu", TensorBoard = false,
                Options = TrainerOptions.FromJson(scenario.Trainer, scenario.Path), PolicyServer = server,
            }, CancellationToken.None);

            Assert.Equal([0, 1, 2], server.Loaded);   // before the first episode, then after each update
            Assert.Equal(["eval-v0", "train-tiny-vault", "eval-v2"], server.Runs);
            Assert.Equal(["eval", "rl", "rl", "eval"], result.Rows.Select(r => r.Phase));
            // Each update: 2 groups of 2 episodes, each learnt from its two recorded sequences' 3 + 2 policy tokens (its message has no ids at all).
            Assert.All(result.Rows.Where(r => r.Phase == "rl"), r => Assert.Equal(20, r.Update!.PolicyTokens));
            Assert.Equal(2, result.Rows[^1].PolicyVersion);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    /// <summary>
    /// Answers every episode with one text message (no token ids) and two recorded sequences at the version it serves;
    /// the rewards alternate 1, 0 in arrival order, so each group of two has a signal.
    /// </summary>
    private sealed class RecordingServer : IPolicyServer
    {
        private int _version, _episodes;

        public List<int> Loaded { get; } = [];

        public List<string> Runs { get; } = [];

        public IRolloutRunner Rollouts(string runId)
        {
            Runs.Add(runId);
            return new Runner(this, runId);
        }

        public Task LoadWeightsAsync(CausalTransformer trained, int version)
        {
            Loaded.Add(version);
            _version = version;
            return Task.CompletedTask;
        }

        private sealed class Runner(RecordingServer server, string runId) : IRolloutRunner
        {
            public async Task<RunSummary> RunAsync(ChannelReader<EpisodeRequest> requests, IReadOnlyList<ITrajectorySink> sinks, CancellationToken cancellationToken)
            {
                var count = 0;
                try
                {
                    await foreach (var request in requests.ReadAllAsync(cancellationToken))
                    {
                        var trajectory = new Trajectory
                        {
                            EpisodeId = request.EpisodeId, GroupId = request.GroupId, RunId = runId, EnvironmentId = request.EnvironmentId, TaskId = request.Task.Id,
                            Steps = [new Step { Action = Message.Assistant("done") }], Termination = Termination.Terminated,
                            TotalReward = server._episodes++ % 2,
                            // Two sequences, as when a program rewrote its history: both are trained on, with the episode's advantage.
                            TokenSequences =
                            [
                                new TokenSequence([3, 4, 5, 6, 7], [false, false, true, true, true], [0f, 0f, -1f, -1.5f, -2f]) { PolicyVersion = server._version },
                                new TokenSequence([3, 8, 9], [false, true, true], [0f, -0.5f, -1f]) { PolicyVersion = server._version },
                            ],
                        };
                        foreach (var sink in sinks) await sink.OnTrajectoryAsync(trajectory, CancellationToken.None);
                        count++;
                    }
                }
                catch (OperationCanceledException) { }
                foreach (var sink in sinks) await sink.CompleteAsync(CancellationToken.None);
                return new RunSummary { RunId = runId, Episodes = count, Cancelled = cancellationToken.IsCancellationRequested };
            }
        }
    }
}
