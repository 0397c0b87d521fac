using Forge.Core.Programs;
using Forge.Agents.ChatFormat;
using Forge.Agents.Programs;
using Forge.Core;
using Forge.Environments.SupportDesk;
using Forge.Serving.AgentPrograms;
using Forge.Serving.Tests.Models;
using Forge.Training.Checkpoints;
using Forge.Training.Rl;
using Forge.Training.Tokenization;
using Microsoft.Extensions.AI;

namespace Forge.Serving.Tests.AgentPrograms;

/// <summary>
/// Agent programs against forge serve: the shipped Semantic Kernel support-desk program in process, the shipped Python
/// program out of process, failures as data, and a GRPO update from the recorded token ids pushed back into the server.
/// </summary>
public sealed class AgentProgramTests
{
    private static SupportTask Ticket(string id) =>
        TaskFile.Read<SupportTask>(Path.Combine(TestModels.RepositoryRoot, "environments", "SupportDesk", "tickets.jsonl")).First(t => t.Id == id);

    [Fact]
    public async Task SupportDeskProgram_InProcess_CallsRecordedStitchedAndScored()
    {
        await using var server = await ServedModel.ScriptedAsync();
        var runner = new AgentProgramRunner(server.Host, "support/desk-program");

        var episode = await runner.RunAsync(new SupportDeskProgram(), Ticket("order-status"), "ep-desk", seed: 1, CancellationToken.None);

        Assert.Null(episode.Error);
        Assert.Equal("Hi!", episode.Output);
        Assert.InRange(episode.Calls.Count, 2, SupportDeskProgram.MaxCustomerTurns);   // the customer answered at least once
        var sequence = Assert.Single(episode.Sequences);                                // Semantic Kernel sent each reply back unchanged
        Assert.True(sequence.Stitched);
        Assert.Equal(["resolved", "refund_policy", "privacy", "tone"], episode.Breakdown!.Scores.Keys);
        var trajectory = Assert.Single(episode.Trajectories);
        Assert.Equal(episode.Reward, trajectory.TotalReward);
        Assert.Equal(episode.Calls.Count, trajectory.Steps.Count);
        Assert.All(trajectory.Steps, s => Assert.NotNull(s.Action.TokenIds));
        Assert.Equal("true", trajectory.Steps[^1].Info["agent_program.stitched"]);
        Assert.Equal("Hi!", trajectory.Steps[^1].Info["agent_program.output"]);
        // The trajectory, encoded as the trainer encodes trajectories, is the stitched sequence, masks included.
        var encoded = ConversationEncoder.For(new ByteTokenizer(ChatMarkers.All), new ChatTemplate { ToolDescriptions = true }).Encode(trajectory);
        Assert.Equal(sequence.Ids, encoded.TokenIds);
        Assert.Equal(sequence.PolicyMask, encoded.LossMask);
        Assert.Equal(sequence.LogProbs, encoded.OldLogProbs);
    }

    [SkippableFact]
    public async Task PythonProgram_OutOfProcess_RecordedAndScored()
    {
        if (!OnPath("python3") && string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            Assert.Fail("CI=true, so this test may not skip: python3 is not on PATH.");
        Skip.If(!OnPath("python3"), "python3 is not on PATH.");
        await using var server = await ServedModel.ScriptedAsync();
        var runner = new AgentProgramRunner(server.Host, "support/desk-python");
        var program = new ProcessAgentProgram(["python3", Path.Combine(TestModels.RepositoryRoot, "environments", "SupportDesk", "programs", "support_desk_agent.py")],
            null, TimeSpan.FromSeconds(60));
        var rubric = new Rubric().Add("answered", 1.0, c => string.IsNullOrWhiteSpace(c.FinalAnswer) ? 0 : 1);

        var episode = await runner.RunAsync(program, Ticket("order-status"), rubric, "ep-python", seed: 1, CancellationToken.None);

        Assert.Null(episode.Error);
        Assert.Equal("Hi!", episode.Output);
        var call = Assert.Single(episode.Calls);
        Assert.Contains(call.Messages, m => m.Content.Contains("order-status", StringComparison.Ordinal) || m.Role == Role.User);
        Assert.Equal(["lookup_order"], call.Tools.Select(t => t.Name));
        Assert.Equal(1.0, episode.Reward);
        Assert.Equal(Termination.Terminated, Assert.Single(episode.Trajectories).Termination);
    }

    [Theory]
    [InlineData("sleep 30", "deadline_exceeded")]
    [InlineData("echo broken >&2; exit 3", "program_failed")]
    [InlineData("head -c 5000 /dev/zero | tr '\\0' x", "output_too_large")]
    public async Task ProcessProgram_Failing_ErroredEpisodeAtTheAgentBoundary(string script, string type)
    {
        await using var server = await ServedModel.ScriptedAsync();
        var runner = new AgentProgramRunner(server.Host, "support/desk-python");
        var program = new ProcessAgentProgram(["sh", "-c", script], null, TimeSpan.FromSeconds(1), MaxOutputBytes: 1000);

        var episode = await runner.RunAsync(program, Ticket("order-status"), new Rubric().Add("any", 1, _ => 1), $"ep-{type}", seed: 1, CancellationToken.None);

        Assert.Equal(type, episode.Error!.Type);
        Assert.Equal(ErrorBoundary.Agent, episode.Error.Boundary);
        Assert.Equal(0, episode.Reward);
        Assert.Equal(Termination.Errored, Assert.Single(episode.Trajectories).Termination);
        Assert.Null(server.Host.Episodes.Find($"ep-{type}"));
    }

    [Fact]
    public async Task GroupOfEpisodes_GrpoUpdateFromRecordedIds_PushedBackIntoTheServer()
    {
        var root = Directory.CreateTempSubdirectory("forge-serve-train-").FullName;
        var checkpoint = TestModels.RandomCheckpoint(Path.Combine(root, "policy"));
        await using var server = await ServedModel.StartAsync(_ => checkpoint);
        var runner = new AgentProgramRunner(server.Host, "toy/echo");
        var task = new ToyTask("t1");

        var group = new List<AgentProgramEpisode>();
        for (var i = 0; i < 4; i++)
            group.Add(await runner.RunAsync(new LengthProgram(), task, $"ep-{i}", seed: i, CancellationToken.None));
        var samples = AgentProgramSamples.ForGroup(group, AdvantageEstimator.Grpo, scaleByStd: true);
        using var loaded = Checkpoint.Load(checkpoint);
        using var trainer = new PolicyTrainer(loaded.Model, new TrainerOptions { LearningRate = 1e-2, Temperature = 1.0 }, loaded.Tokenizer.PadId);
        var stats = trainer.Update(samples);
        var version = await server.Host.LoadWeightsAsync(loaded.Model, 1);
        var health = await server.HealthAsync();

        Assert.True(group.Select(e => e.Reward).Distinct().Count() > 1, "the toy rubric gave every episode the same reward");
        Assert.Equal(group.Sum(e => e.Sequences.Count), samples.Count);
        Assert.Equal(group.Sum(e => e.Calls.Sum(c => c.Choices[0].CompletionIds.Count)), (int)stats.PolicyTokens);
        Assert.True(double.IsFinite(stats.Loss));
        Assert.True(stats.ApproxKl < 1e-3, $"the recorded log-probs are not the policy's own: approx KL {stats.ApproxKl}");
        Assert.Equal(1, version);
        Assert.Equal(1, health.GetProperty("policy_version").GetInt64());
        Directory.Delete(root, recursive: true);
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, program)));

    private sealed record ToyTask(string Id) : IEnvironmentTask;

    // Asks the policy twice through Microsoft.Extensions.AI; the reward is the length of its last reply, so episodes differ.
    private sealed class LengthProgram : IAgentProgram<ToyTask>
    {
        public async Task<string> RunAsync(ToyTask task, AgentProgramContext context, CancellationToken cancellationToken)
        {
            List<ChatMessage> messages = [new(ChatRole.User, "Say something.")];
            var options = new ChatOptions { Seed = context.Seed, Temperature = 1.0f, MaxOutputTokens = 4 + context.Seed * 3 };
            var first = await context.ChatClient.GetResponseAsync(messages, options, cancellationToken);
            messages.AddRange(first.Messages);
            messages.Add(new ChatMessage(ChatRole.User, "More."));
            var second = await context.ChatClient.GetResponseAsync(messages, options, cancellationToken);
            return second.Text;
        }

        public Rubric Rubric => new Rubric().Add("length", 1.0, c => Math.Min(1.0, (c.FinalAnswer ?? "").Length / 20.0));
    }
}
