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

        Assert.Equal(new EpisodeError(ErrorBoundary.Environment, "InvalidOperationException", "boom"), file.Trajectories[2].Error);
        Assert.Null(file.Trajectories[2].Breakdown);

        var policy = file.Trajectories[3];
        Assert.Equal(3, policy.PolicyVersion);
        Assert.Equal("answer: héllo 世界 🎲", policy.Steps[0].Action.Content);
        Assert.Equal([0, 1, 2, 3, 4], policy.Steps[0].Action.TokenIds!);
        Assert.Equal([0f, -0.5f, -1f, -1.5f, -2f], policy.Steps[0].Action.LogProbs!);
    }
}
