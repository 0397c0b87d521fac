using Forge.Core;

namespace Forge.Host.Tests.Recording;

/// <summary>Hand-made trajectories that use every field of the format.</summary>
internal static class SampleTrajectories
{
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 12, 0, 0, TimeSpan.FromHours(1));

    private static readonly ToolSpec Calculator = new("calculate", "Evaluate an arithmetic expression.",
        """{"type":"object","properties":{"expression":{"type":"string","description":"e.g. 2*(3+4)"}},"required":["expression"],"additionalProperties":false}""");

    /// <summary>A solved math episode: one calculator call, then the answer.</summary>
    public static Trajectory SolvedMath(string episodeId = "ep-0001", int seed = 7) => new()
    {
        EpisodeId = episodeId,
        RunId = "run-1",
        GroupId = "math/arithmetic:add-1",
        EnvironmentId = "math/arithmetic",
        EnvironmentVersion = "1",
        TaskId = "add-1",
        Seed = seed,
        AgentId = "scripted/math",
        Prompt = [Message.System("Solve the problem. Use the calculator."), Message.User("What is 17 * 23?")],
        Tools = [Calculator],
        Steps =
        [
            new Step
            {
                Index = 0,
                Action = Message.Assistant("Let me compute.", new ToolCall("call-1", "calculate", """{"expression":"17*23"}""")),
                Observation = [Message.ToolResult("call-1", "calculate", "391")],
                AgentMs = 1.5,
                EnvironmentMs = 0.25,
            },
            new Step
            {
                Index = 1,
                Action = Message.Assistant("The answer is 391."),
                Reward = 1.0,
                AgentMs = 1.0,
                EnvironmentMs = 0.5,
                Info = new Dictionary<string, string> { ["parsed_answer"] = "391" },
            },
        ],
        TotalReward = 1.0,
        Breakdown = new RewardBreakdown(new Dictionary<string, double> { ["numeric_tolerance"] = 1.0, ["token_budget"] = 0.8 }, 1.0, true),
        Termination = Termination.Terminated,
        StartedAt = Start,
        DurationMs = 4.25,
        AssistantTokens = 12,
    };

    /// <summary>An episode cut off by the turn limit after a failed tool call and a malformed message.</summary>
    public static Trajectory TruncatedWithToolError() => new()
    {
        EpisodeId = "ep-0002",
        EnvironmentId = "support/desk",
        EnvironmentVersion = "2",
        TaskId = "refund-small",
        Seed = 8,
        AgentId = "noisy",
        Prompt = [Message.User("I want a refund for order 42.")],
        Steps =
        [
            new Step
            {
                Index = 0,
                Action = Message.Assistant("", new ToolCall("c1", "lookup_order", """{"order":42""")),
                Observation = [Message.ToolResult("c1", "lookup_order", "Tool error: invalid JSON arguments for lookup_order", isError: true)],
                AgentMs = 2,
                EnvironmentMs = 1,
            },
            new Step
            {
                Index = 1,
                Action = new Message { Role = Role.Assistant, Content = "<tool_call>{broken", Malformed = true },
                Observation = [Message.User("I don't understand.")],
                AgentMs = 3,
                EnvironmentMs = 1,
            },
        ],
        TotalReward = 0.25,
        Breakdown = new RewardBreakdown(new Dictionary<string, double> { ["resolved"] = 0, ["polite"] = 1 }, 0.25, false),
        Termination = Termination.Truncated,
        TruncationReason = "max_turns",
        StartedAt = Start.AddSeconds(1),
        DurationMs = 9,
        ToolErrorCount = 1,
        MalformedCount = 1,
        AssistantTokens = 7,
    };

    /// <summary>An episode whose environment threw.</summary>
    public static Trajectory Errored() => new()
    {
        EpisodeId = "ep-0003",
        EnvironmentId = "math/arithmetic",
        EnvironmentVersion = "1",
        TaskId = "add-2",
        Seed = 9,
        AgentId = "scripted/math",
        Prompt = [Message.User("What is 1 + 1?")],
        Steps = [new Step { Index = 0, Action = Message.Assistant("2"), AgentMs = 1, EnvironmentMs = 2 }],
        Termination = Termination.Errored,
        Error = new EpisodeError(ErrorBoundary.Environment, "InvalidOperationException", "boom"),
        StartedAt = Start.AddSeconds(2),
        DurationMs = 3,
    };

    /// <summary>A local-policy episode with token ids and log-probs.</summary>
    public static Trajectory Policy(int tokens = 5) => new()
    {
        EpisodeId = "ep-0004",
        GroupId = "g-1",
        EnvironmentId = "game/lookup",
        EnvironmentVersion = "1",
        TaskId = "key-3",
        Seed = 10,
        AgentId = "policy",
        PolicyVersion = 3,
        Prompt = [Message.User("Find key 3.")],
        Steps =
        [
            new Step
            {
                Index = 0,
                Action = new Message
                {
                    Role = Role.Assistant,
                    Content = "answer: héllo 世界 🎲",
                    TokenIds = Enumerable.Range(0, tokens).ToArray(),
                    LogProbs = Enumerable.Range(0, tokens).Select(i => -0.5f * i).ToArray(),
                    PolicyVersion = 3,
                },
                Reward = 0.5,
                AgentMs = 4,
                EnvironmentMs = 0.5,
            },
        ],
        TotalReward = 0.5,
        Breakdown = new RewardBreakdown(new Dictionary<string, double> { ["exact_match"] = 0.5 }, 0.5, false),
        Termination = Termination.Terminated,
        StartedAt = Start.AddSeconds(3),
        DurationMs = 5,
        AssistantTokens = tokens,
    };

    /// <summary>Provenance with every member set, limits other than the defaults.</summary>
    public static Provenance Provenance() => new()
    {
        ForgeVersion = "1.0.0", ForgeCommit = "0123456789abcdef0123456789abcdef01234567", EnvironmentVersion = "2", EnvironmentAssembly = "Forge.Environments",
        EnvironmentAssemblyHash = new string('a', 64),
        Task = new TaskProvenance { Source = TaskProvenance.GeneratorSource, File = "tasks.jsonl", Generator = "Forge.Gen", GeneratorSeed = 7, ContentHash = new string('b', 64) },
        Limits = EpisodeLimits.Default with { MaxTurns = 3, TurnTimeout = TimeSpan.FromSeconds(1.5), StepTimeout = TimeSpan.FromMilliseconds(250), ToolTimeout = TimeSpan.FromSeconds(2), EpisodeTimeout = TimeSpan.FromMinutes(3), MaxActionChars = 1000 },
        Sandbox = new SandboxProvenance { Backend = "docker", Image = "python:3.12-slim", ImageId = "sha256:" + new string('c', 64) },
        Agent = new AgentProvenance { Type = "policy", Model = "tiny", EndpointHost = "localhost:8000", PolicyCheckpointHash = new string('d', 64), Details = "temperature 1" },
        Worker = "10.0.0.2:11111", Attempts = 2,
    };

    public static IReadOnlyList<Trajectory> All() => [SolvedMath(), TruncatedWithToolError(), Errored(), Policy()];
}
