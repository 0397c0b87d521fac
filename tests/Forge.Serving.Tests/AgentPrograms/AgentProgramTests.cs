using Forge.Core.Programs;
using Forge.Agents.ChatFormat;
using Forge.Agents.Programs;
using Forge.Core;
using Forge.Environments.SupportDesk;
using Forge.Host;
using Forge.Serving.AgentPrograms;
using Forge.Serving.Tests.Models;
using Forge.Training.Checkpoints;
using Forge.Training.Rl;
using Forge.Training.Tokenization;
using Microsoft.Extensions.AI;

namespace Forge.Serving.Tests.AgentPrograms;

/// <summary>
/// Agent programs against forge serve, through the episode driver: the shipped Semantic Kernel support-desk program in
/// process (its own rubric), the shipped Python program out of process (the environment's rubric), failures and
/// deadlines as data, and a GRPO update from the recorded token ids pushed back into the server.
/// </summary>
public sealed class AgentProgramTests
{
    internal static SupportTask Ticket(string id) =>
        TaskFile.Read<SupportTask>(Path.Combine(TestModels.RepositoryRoot, "environments", "SupportDesk", "tickets.jsonl")).First(t => t.Id == id);

    internal static string PythonAgent => Path.Combine(TestModels.RepositoryRoot, "environments", "SupportDesk", "programs", "support_desk_agent.py");

    /// <summary>Runs one episode of <paramref name="launcher"/> on <paramref name="task"/> through the driver.</summary>
    internal static async Task<AgentProgramEpisode> RunAsync(ServedModel server, IProgramLauncher launcher, IEnvironmentTask task, string episodeId, int seed,
        ISandboxProvider? sandboxes = null, EpisodeLimits? limits = null, IList<Trajectory>? recorded = null)
    {
        var environmentId = task is SupportTask ? "support/desk" : "test/toy";
        var deadline = limits?.TurnTimeout ?? TimeSpan.FromSeconds(120);
        var runner = new AgentProgramRunner(server.Host, launcher, id => id == "support/desk" ? new SupportDeskEnvironment() : new ToyEnvironment(), 1, deadline, sandboxes);
        var sink = new ListSink();
        var request = new EpisodeRequest(episodeId, environmentId, task, seed, $"g-{task.Id}") { Limits = limits ?? EpisodeLimits.Default };
        var episode = Assert.Single(await runner.RunEpisodesAsync([request], [sink], CancellationToken.None));
        foreach (var t in sink.Trajectories) recorded?.Add(t);
        Assert.Equal(episode.Trajectory, Assert.Single(sink.Trajectories));   // one trajectory per episode, whatever its sequences
        Assert.Null(runner.Agent.Find(episodeId));   // the run was handed over with the trajectory
        return episode;
    }

    [Fact]
    public async Task SupportDeskProgram_InProcess_CallsRecordedStitchedAndScoredByItsRubric()
    {
        await using var server = await ServedModel.ScriptedAsync();

        var episode = await RunAsync(server, new InProcessProgram<SupportTask>("support-desk", () => new SupportDeskProgram()), Ticket("order-status"), "ep-desk", seed: 1);

        Assert.Null(episode.Error);
        Assert.Equal("Hi!", episode.Output);
        Assert.InRange(episode.Calls.Count, 2, SupportDeskProgram.MaxCustomerTurns);   // the customer answered at least once
        var sequence = Assert.Single(episode.Sequences);                                // Semantic Kernel sent each reply back unchanged
        Assert.True(sequence.Stitched);
        Assert.Equal(Enumerable.Range(0, episode.Calls.Count), sequence.Calls);
        Assert.Equal(5, sequence.PolicyVersion);                                          // the scripted checkpoint's version
        Assert.Equal(["resolved", "refund_policy", "privacy", "tone"], episode.Breakdown!.Scores.Keys);
        var trajectory = episode.Trajectory;
        Assert.Same(sequence, Assert.Single(trajectory.TokenSequences));
        Assert.Equal(episode.Reward, trajectory.TotalReward);
        Assert.Equal(Termination.Terminated, trajectory.Termination);
        Assert.Equal(episode.Calls.Count, trajectory.Steps.Count);
        Assert.All(trajectory.Steps, s => Assert.NotNull(s.Action.TokenIds));
        Assert.Equal("true", trajectory.Steps[^1].Info["agent_program.stitched"]);
        Assert.Equal("1", trajectory.Steps[^1].Info["agent_program.sequences"]);
        Assert.Equal("Hi!", trajectory.Steps[^1].Info["agent_program.output"]);
        // The driver's provenance: the registered environment's assembly, the program as the agent.
        Assert.Equal("Forge.Environments", trajectory.Provenance!.EnvironmentAssembly);
        Assert.Equal("agent-program", trajectory.Provenance.Agent!.Type);
        Assert.Equal("support-desk", trajectory.Provenance.Agent.Details);
        Assert.Equal("support/desk", trajectory.EnvironmentId);
        // The trajectory, encoded as the trainer encodes trajectories, is the stitched sequence, masks included.
        var encoded = ConversationEncoder.For(new ByteTokenizer(ChatMarkers.All), new ChatTemplate { ToolDescriptions = true }).Encode(trajectory);
        Assert.Equal(sequence.Ids, encoded.TokenIds);
        Assert.Equal(sequence.PolicyMask, encoded.LossMask);
        Assert.Equal(sequence.LogProbs, encoded.OldLogProbs);
    }

    [SkippableFact]
    public async Task PythonProgram_OutOfProcess_RecordedAndScoredByTheEnvironmentsRubric()
    {
        RequirePython();
        await using var server = await ServedModel.ScriptedAsync();
        var program = new ProcessAgentProgram(["python3", PythonAgent], null, TimeSpan.FromSeconds(60));

        var episode = await RunAsync(server, new ProcessProgram(program, null), Ticket("order-status"), "ep-python", seed: 1);

        Assert.Null(episode.Error);
        Assert.Equal("Hi!", episode.Output);
        var call = Assert.Single(episode.Calls);
        Assert.Equal(["lookup_order"], call.Tools.Select(t => t.Name));
        // support/desk's own rubric scored the final answer; the customer would have gone on, so the episode was truncated there.
        var trajectory = episode.Trajectory;
        Assert.Equal(["resolved", "refund_policy", "privacy", "tone", "token_budget"], episode.Breakdown!.Scores.Keys);
        Assert.Equal(Termination.Truncated, trajectory.Termination);
        Assert.Equal(AgentProgramEnvironment.ProgramFinished, trajectory.TruncationReason);
        Assert.Equal(0, episode.Breakdown.Scores["resolved"]);            // "Hi!" resolves nothing
        Assert.Equal(episode.Breakdown.Total, episode.Reward);
        Assert.Equal(episode.Reward, trajectory.TotalReward);
    }

    [Theory]
    [InlineData("sleep 30", "deadline_exceeded")]
    [InlineData("echo broken >&2; exit 3", "program_failed")]
    [InlineData("head -c 5000 /dev/zero | tr '\\0' x", "output_too_large")]
    public async Task ProcessProgram_Failing_ErroredEpisodeAtTheAgentBoundary(string script, string type)
    {
        await using var server = await ServedModel.ScriptedAsync();
        var program = new ProcessAgentProgram(["sh", "-c", script], null, TimeSpan.FromSeconds(1), MaxOutputBytes: 1000);

        var episode = await RunAsync(server, new ProcessProgram(program, null), Ticket("order-status"), $"ep-{type}", seed: 1);

        Assert.Equal(type, episode.Error!.Type);
        Assert.Equal(ErrorBoundary.Agent, episode.Error.Boundary);
        Assert.Equal(0, episode.Reward);
        Assert.Equal(Termination.Errored, episode.Trajectory.Termination);
        Assert.Null(server.Host.Episodes.Find($"ep-{type}"));
    }

    [Fact]
    public async Task ProcessProgram_PastTheTurnDeadline_TruncatedAndItsProcessKilled()
    {
        await using var server = await ServedModel.ScriptedAsync();
        var marker = Path.Combine(Path.GetTempPath(), $"forge-program-{Guid.NewGuid():N}");
        // The program outlives the driver's turn deadline (1 s) though its own deadline is a minute; it would leave a file behind at 4 s.
        var program = new ProcessAgentProgram(["sh", "-c", $"sleep 4; touch {marker}"], null, TimeSpan.FromSeconds(60));

        var episode = await RunAsync(server, new ProcessProgram(program, null), Ticket("order-status"), "ep-slow", seed: 1,
            limits: EpisodeLimits.Default with { TurnTimeout = TimeSpan.FromSeconds(1) });
        await Task.Delay(TimeSpan.FromSeconds(5));

        var trajectory = episode.Trajectory;
        Assert.Equal(Termination.Truncated, trajectory.Termination);
        Assert.Equal("turn_timeout", trajectory.TruncationReason);
        Assert.False(File.Exists(marker), "the program's process tree outlived the turn deadline");
    }

    [Fact]
    public async Task GroupOfEpisodes_GrpoUpdateFromRecordedIds_PushedBackIntoTheServer()
    {
        var root = Directory.CreateTempSubdirectory("forge-serve-train-").FullName;
        var checkpoint = TestModels.RandomCheckpoint(Path.Combine(root, "policy"));
        await using var server = await ServedModel.StartAsync(_ => checkpoint);
        var task = new ToyTask("t1");

        var group = new List<AgentProgramEpisode>();
        for (var i = 0; i < 4; i++)
            group.Add(await RunAsync(server, new InProcessProgram<ToyTask>("length", () => new LengthProgram()), task, $"ep-{i}", seed: i));
        // Each episode's stitched sequences, exactly as recorded, with its group-relative advantage.
        var advantages = Advantages.ForGroup([.. group.Select(e => e.Reward)], AdvantageEstimator.Grpo, scaleByStd: true);
        var samples = group.SelectMany((e, i) => e.Sequences.Select(s => new TrainingSample(EncodedConversation.Of(s), advantages[i]))).ToList();
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

    internal static void RequirePython()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, "python3")));
        if (!onPath && string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            Assert.Fail("CI=true, so this test may not skip: python3 is not on PATH.");
        Skip.If(!onPath, "python3 is not on PATH.");
    }

    internal sealed record ToyTask(string Id) : IEnvironmentTask;

    /// <summary>An environment for toy tasks: its rubric is never asked (the programs that take them bring their own).</summary>
    [Environment("test/toy", Description = "Toy tasks for agent programs (test only).")]
    internal sealed class ToyEnvironment : ToolEnvironment<ToyTask>
    {
        protected override IEnumerable<Message> Prompt(ToyTask task) => [Message.User("Say something.")];

        protected override Rubric Rubric => new Rubric().Add("answered", 1.0, c => string.IsNullOrWhiteSpace(c.FinalAnswer) ? 0 : 1);
    }

    // Asks the policy twice through Microsoft.Extensions.AI; the reward is the length of its last reply, so episodes differ.
    internal sealed class LengthProgram : IAgentProgram<ToyTask>
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
