using Forge.Core;
using Forge.Host.Recording;

namespace Forge.Host.Tests.Recording;

/// <summary>
/// Files written by each released format version, kept in tests/TestData/trajectories and never regenerated:
/// every later Forge must still read them.
/// </summary>
public sealed class SampleFileTests
{
    internal static string SampleFile(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "TestData", "trajectories", name);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"Sample trajectory file {name} not found above {AppContext.BaseDirectory}.");
    }

    [Fact]
    public void Read_Version1Sample_ReadsEveryFieldItWasWrittenWith()
    {
        var file = TrajectoryReader.Read(SampleFile("v1.forge"));

        Assert.Equal(1, file.FormatVersion);
        Assert.Empty(file.Corrupt);
        Assert.Equal(new[] { "ep-0001", "ep-0002", "ep-0003", "ep-0004" }, file.Trajectories.Select(t => t.EpisodeId));
        AssertTheFourSamples(file);
    }

    [Fact]
    public void Read_Version2Sample_ReadsEveryFieldItWasWrittenWith()
    {
        var file = TrajectoryReader.Read(SampleFile("v2.forge"));

        Assert.Equal(2, file.FormatVersion);
        Assert.Empty(file.Corrupt);
        Assert.Equal(new[] { "ep-0001", "ep-0002", "ep-0003", "ep-0004", "ep-0005" }, file.Trajectories.Select(t => t.EpisodeId));
        AssertTheFourSamples(file);
        Assert.Equal(0, file.Trajectories[2].Error!.Step);

        // Written with everything format 1 lacked or left at its default.
        var fork = file.Trajectories[4];
        Assert.Equal(("ep-0001", 1, RewardMode.Binary, TokenCountSource.Mixed, 40, 4), (fork.ParentEpisodeId, fork.ForkStep, fork.RewardMode, fork.TokenCount, fork.PromptTokens, fork.PolicyVersion));
        Assert.Equal("fine", fork.Breakdown!.Notes!["judge"]);
        var action = fork.Steps[1].Action;
        Assert.Equal([5, 6, 7], action.TokenIds!);
        Assert.Equal([-0.25f, -0.5f, -0.75f], action.LogProbs!);
        Assert.Equal((4, 1, 30, 3), (action.PolicyVersion, action.ReasoningTokens, action.PromptTokens, action.CompletionTokens));
        var p = fork.Provenance!;
        Assert.Equal(("1.0.0", "0123456789abcdef0123456789abcdef01234567", "2", "Forge.Environments", new string('a', 64), "10.0.0.2:11111", 2),
            (p.ForgeVersion, p.ForgeCommit, p.EnvironmentVersion, p.EnvironmentAssembly, p.EnvironmentAssemblyHash, p.Worker, p.Attempts));
        Assert.Equal(new TaskProvenance { Source = "generator", File = "tasks.jsonl", Generator = "Forge.Gen", GeneratorSeed = 7, ContentHash = new string('b', 64) }, p.Task);
        Assert.Equal(EpisodeLimits.Default with { MaxTurns = 3, TurnTimeout = TimeSpan.FromSeconds(1.5), StepTimeout = TimeSpan.FromMilliseconds(250), ToolTimeout = TimeSpan.FromSeconds(2), EpisodeTimeout = TimeSpan.FromMinutes(3), MaxActionChars = 1000 }, p.Limits);
        Assert.Equal(new SandboxProvenance { Backend = "docker", Image = "python:3.12-slim", ImageId = "sha256:" + new string('c', 64) }, p.Sandbox);
        Assert.Equal(new AgentProvenance { Type = "policy", Model = "tiny", EndpointHost = "localhost:8000", PolicyCheckpointHash = new string('d', 64), Details = "temperature 1" }, p.Agent);
    }

    // The four episodes both samples hold: every field format 1 has.
    private static void AssertTheFourSamples(TrajectoryFile file)
    {
        var math = file.Trajectories[0];
        Assert.Equal(("math/arithmetic", "1", "add-1", 7, "scripted/math", "run-1"), (math.EnvironmentId, math.EnvironmentVersion, math.TaskId, math.Seed, math.AgentId, math.RunId));
        Assert.Equal(new ToolCall("call-1", "calculate", """{"expression":"17*23"}"""), math.Steps[0].Action.ToolCalls[0]);
        Assert.Equal("391", math.Steps[0].Observation[0].Content);
        Assert.Equal(Role.Tool, math.Steps[0].Observation[0].Role);
        Assert.Equal("calculate", math.Tools[0].Name);
        Assert.Equal(0.8, math.Breakdown!.Scores["token_budget"]);
        Assert.Null(math.RewardMode);   // written before trajectories kept their reward mode
        Assert.Equal("391", math.Steps[1].Info["parsed_answer"]);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.FromHours(1)), math.StartedAt);
        Assert.Equal(TimeSpan.FromHours(1), math.StartedAt.Offset);

        var support = file.Trajectories[1];
        Assert.Equal((Termination.Truncated, "max_turns", 1, 1), (support.Termination, support.TruncationReason, support.ToolErrorCount, support.MalformedCount));
        Assert.True(support.Steps[0].Observation[0].IsError);
        Assert.True(support.Steps[1].Action.Malformed);

        Assert.Equal(new EpisodeError(ErrorBoundary.Environment, "InvalidOperationException", "boom"), file.Trajectories[2].Error! with { Step = null });
        Assert.Null(file.Trajectories[2].Breakdown);

        var policy = file.Trajectories[3];
        Assert.Equal(3, policy.PolicyVersion);
        Assert.Equal("answer: héllo 世界 🎲", policy.Steps[0].Action.Content);
        Assert.Equal([0, 1, 2, 3, 4], policy.Steps[0].Action.TokenIds!);
        Assert.Equal([0f, -0.5f, -1f, -1.5f, -2f], policy.Steps[0].Action.LogProbs!);
    }
}
