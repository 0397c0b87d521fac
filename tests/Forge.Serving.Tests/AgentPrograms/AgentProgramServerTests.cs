using System.Threading.Channels;
using Forge.Core;
using Forge.Host;
using Forge.Serving.AgentPrograms;
using Forge.Serving.Tests.Models;
using Forge.Training.Checkpoints;
using Forge.Training.Lora;
using Forge.Training.Rl;
using static TorchSharp.torch;

namespace Forge.Serving.Tests.AgentPrograms;

/// <summary>
/// The served policy of an agent-program training run: the trainer's weights pushed into the server, a policy with LoRA
/// adapters served merged, and the episodes it runs recorded with the version served and the exact log-probs of those weights.
/// </summary>
public sealed class AgentProgramServerTests
{
    [Fact]
    public async Task LoadWeights_LoraPolicy_ServedMergedSoTheRecordedLogProbsAreTheAdaptedPolicys()
    {
        var root = Directory.CreateTempSubdirectory("forge-program-server-").FullName;
        var checkpoint = TestModels.RandomCheckpoint(Path.Combine(root, "policy"));
        await using var server = await ServedModel.StartAsync(_ => checkpoint);
        using var loaded = Checkpoint.Load(checkpoint);
        var adapters = LoraAdapters.Attach(loaded.Model, new LoraOptions { Rank = 4, Alpha = 8 }, seed: 1);
        using (no_grad())
        using (var random = new Generator(11))   // seeded: the same adapters whatever ran before in this process
            foreach (var (_, layer) in adapters.Layers) layer.B.normal_(0, 0.5, random);   // adapters that change the policy a lot
        using var served = new AgentProgramServer(server.Host, runId => new AgentProgramRunner(server.Host,
            new InProcessProgram<AgentProgramTests.ToyTask>("length", () => new AgentProgramTests.LengthProgram()), _ => new AgentProgramTests.ToyEnvironment(),
            concurrency: 4, TimeSpan.FromSeconds(60), runId: runId));

        await served.LoadWeightsAsync(loaded.Model, 7);
        var requests = Channel.CreateUnbounded<EpisodeRequest>();
        for (var i = 0; i < 4; i++) requests.Writer.TryWrite(new EpisodeRequest($"ep-{i}", "test/toy", new AgentProgramTests.ToyTask("t1"), i, "g-t1"));
        requests.Writer.TryComplete();
        var sink = new ListSink();
        var summary = await served.Rollouts("eval-v7").RunAsync(requests.Reader, [sink], CancellationToken.None);

        Assert.Equal(4, summary.Episodes);
        Assert.All(sink.Trajectories, t => Assert.Equal("eval-v7", t.RunId));
        var sequences = sink.Trajectories.SelectMany(t => t.TokenSequences).ToList();
        Assert.Equal(4, sequences.Count);
        Assert.All(sequences, s => Assert.Equal(7, s.PolicyVersion));
        // The recorded log-probs are the adapted policy's (KL ≈ 0), not the base's the server loaded (its adapters off: KL far from 0).
        var samples = sequences.Select(s => new TrainingSample(EncodedConversation.Of(s), 1.0)).ToList();
        using var adapted = new PolicyTrainer(loaded.Model, new TrainerOptions { LearningRate = 1e-12, Temperature = 1.0 }, loaded.Tokenizer.PadId);
        var adaptedKl = adapted.Update(samples).ApproxKl;
        Assert.True(adaptedKl < 1e-3, $"the server did not serve the adapted policy (approx. KL {adaptedKl})");
        using var plain = Checkpoint.Load(checkpoint);
        using var basePolicy = new PolicyTrainer(plain.Model, new TrainerOptions { LearningRate = 1e-12, Temperature = 1.0 }, plain.Tokenizer.PadId);
        var baseKl = basePolicy.Update(samples).ApproxKl;
        Assert.True(baseKl > 1e-2, $"the adapters do not change the policy enough for this test to tell (approx. KL {baseKl} from the base)");
        Directory.Delete(root, recursive: true);
    }
}
