using Forge.Cli.Commands.Trajectories;
using Forge.Core;
using Forge.Host.Recording;
using Forge.Host.Replay;
using Forge.Serving.Tests.Models;
using System.Security.Cryptography;
using System.Text;

namespace Forge.Cli.Tests.Commands.Trajectories;

/// <summary><c>forge replay --fork-at K --agent SPEC</c>: branches from a recorded support-desk episode, recorded with their parent.</summary>
public sealed class ReplayForkTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("forge-cli-fork-").FullName;
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Fork_SupportDeskAtStep1WithTheNoisyAgent_RecordsNBranchesThatReplayShowsWithTheirParent()
    {
        var path = await ReplayRerunTests.RecordAsync(_dir, "support/desk", tasks: 1, taskSeed: 0);
        var parent = Assert.Single(TrajectoryReader.Read(path).Trajectories);
        var forks = Path.Combine(_dir, "forks");

        var exit = await ReplayCommand.RunAsync(new ReplayCommand.Settings
        {
            File = path, Episode = parent.EpisodeId, ForkAt = 1, Agent = "noisy:0.5", Samples = 4, Out = forks,
        }, _out, _err, width: 200);

        Assert.True(exit == 0, _out.ToString() + _err.ToString());
        var branches = TrajectoryReader.Read(Path.Combine(forks, TrajectoryRecorder.DefaultFileName)).Trajectories.OrderBy(t => t.EpisodeId, StringComparer.Ordinal).ToList();
        Assert.Equal(4, branches.Count);
        Assert.All(branches, b =>
        {
            Assert.Equal((parent.EpisodeId, 1), (b.ParentEpisodeId, b.ForkStep));
            Assert.Equal(TrajectoryDiff.Describe(parent.Steps[0].Action), TrajectoryDiff.Describe(b.Steps[0].Action));
            Assert.Equal(parent.Steps[0].Observation.Select(TrajectoryDiff.Describe), b.Steps[0].Observation.Select(TrajectoryDiff.Describe));
            Assert.Equal("noisy(scripted/support, 0.5)", b.AgentId);
            Assert.Equal($"{parent.EpisodeId}/fork@1", b.GroupId);
        });
        // Each branch's agent draws from its own seed: the continuations differ.
        Assert.True(branches.Select(b => string.Join("|", b.Steps.Skip(1).Select(s => s.Action.Content + string.Join(",", s.Action.ToolCalls.Select(c => c.Name + c.ArgumentsJson))))).Distinct().Count() > 1);
        Assert.Equal(4, branches.Select(b => b.EpisodeId).Distinct().Count());
        Assert.Contains("4 branch(es) with noisy(scripted/support, 0.5)", _out.ToString());

        var shown = new StringWriter();
        await ReplayCommand.RunAsync(new ReplayCommand.Settings { File = Path.Combine(forks, TrajectoryRecorder.DefaultFileName), Episode = branches[2].EpisodeId }, shown, _err, width: 200);
        Assert.Contains($"forked from episode {parent.EpisodeId} at step 1", shown.ToString());
    }

    [Fact]
    public async Task Fork_WithAPolicyCheckpoint_RecordsBranchesWithTheirParentForkStepAndTheCheckpointHash()
    {
        var path = await ReplayRerunTests.RecordAsync(_dir, "support/desk", tasks: 1, taskSeed: 0);
        var parent = Assert.Single(TrajectoryReader.Read(path).Trajectories);
        // A freshly initialised policy, saved with the trainer's own checkpoint writer.
        var checkpoint = TestModels.RandomCheckpoint(Path.Combine(_dir, "checkpoint"), seed: 5, policyVersion: 3, context: 2048);
        var forks = Path.Combine(_dir, "forks");

        var exit = await ReplayCommand.RunAsync(new ReplayCommand.Settings
        {
            File = path, Episode = parent.EpisodeId, ForkAt = 1, Agent = $"policy:{checkpoint}", Samples = 2, Out = forks,
        }, _out, _err, width: 200);

        Assert.True(exit == 0, _out.ToString() + _err.ToString());
        var branches = TrajectoryReader.Read(Path.Combine(forks, TrajectoryRecorder.DefaultFileName)).Trajectories;
        Assert.Equal(2, branches.Count);
        Assert.Equal(2, branches.Select(b => b.EpisodeId).Distinct().Count());
        var hash = CheckpointHash(checkpoint);
        Assert.All(branches, b =>
        {
            Assert.Equal((parent.EpisodeId, 1), (b.ParentEpisodeId, b.ForkStep));
            Assert.Equal($"{parent.EpisodeId}/fork@1", b.GroupId);
            // The recorded first step is re-executed as it was; from step 1 on the policy acts, with its tokens and log-probs.
            Assert.Equal(TrajectoryDiff.Describe(parent.Steps[0].Action), TrajectoryDiff.Describe(b.Steps[0].Action));
            Assert.Null(b.Steps[0].Action.TokenIds);
            var own = b.Steps[1].Action;
            Assert.NotNull(own.TokenIds);
            Assert.Equal(own.TokenIds!.Count, own.LogProbs!.Count);
            Assert.Equal(3, own.PolicyVersion);
            var agent = b.Provenance?.Agent;
            Assert.NotNull(agent);
            Assert.Equal(hash, agent.PolicyCheckpointHash);
        });
        Assert.Contains("2 branch(es) with", _out.ToString());
    }

    // SHA-256 over every file of the checkpoint folder, each as its relative path, a NUL and its bytes, in ordinal path order.
    private static string CheckpointHash(string folder)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            sha.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(folder, file).Replace('\\', '/') + "\0"));
            sha.AppendData(File.ReadAllBytes(file));
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    [Fact]
    public async Task Fork_PastTheLastStep_IsRefusedNamingTheRange()
    {
        var path = await ReplayRerunTests.RecordAsync(_dir, "game/vault", tasks: 1, taskSeed: 0);
        var parent = Assert.Single(TrajectoryReader.Read(path).Trajectories);

        var e = await Assert.ThrowsAsync<ArgumentException>(() => ReplayCommand.RunAsync(new ReplayCommand.Settings
        {
            File = path, ForkAt = parent.Steps.Count, Agent = "scripted",
        }, _out, _err));

        Assert.Equal($"--fork-at {parent.Steps.Count}: episode {parent.EpisodeId} has {parent.Steps.Count} steps and ended with the last; fork it at 0 to {parent.Steps.Count - 1}.", e.Message);
    }

    [Fact]
    public async Task Fork_UnknownAgent_SaysWhichAgentsThereAre()
    {
        var path = await ReplayRerunTests.RecordAsync(_dir, "game/vault", tasks: 1, taskSeed: 0);

        var e = await Assert.ThrowsAsync<ArgumentException>(() => ReplayCommand.RunAsync(new ReplayCommand.Settings { File = path, ForkAt = 0, Agent = "gpt" }, _out, _err));

        Assert.Equal("--agent: 'gpt' is not an agent; use scripted, noisy[:RATE], policy:CHECKPOINT_DIR or semantic-kernel:MODEL@URL.", e.Message);
    }

    [Fact]
    public async Task Fork_CodeSessionEpisodeAfterItsFirstCall_RestoresTheSessionForTheNewAgent()
    {
        await using var sandboxes = Forge.Sandbox.SandboxProviders.Create(SandboxOptions.Default with { PoolSize = 0 });
        var path = await ReplayRerunTests.RecordAsync(_dir, "code/python-session", tasks: 1, taskSeed: 0, sandboxes);
        var forks = Path.Combine(_dir, "forks");

        // Step 0 defined the function in the session; the scripted agent's step 1 calls it, which works only if the fork restored the session.
        var exit = await ReplayCommand.RunAsync(new ReplayCommand.Settings { File = path, ForkAt = 1, Agent = "scripted", Samples = 1, Out = forks }, _out, _err, width: 200);

        Assert.True(exit == 0, _out.ToString() + _err.ToString());
        var branch = Assert.Single(TrajectoryReader.Read(Path.Combine(forks, TrajectoryRecorder.DefaultFileName)).Trajectories);
        var call = branch.Steps[1].Observation.Single();
        Assert.False(call.IsError);
        Assert.DoesNotContain("NameError", call.Content);
        Assert.True(branch.Success);
    }
}
