using Forge.Core;
using Forge.Host.Evaluation;

namespace Forge.Host.Tests.Evaluation;

public sealed class EvalReportTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Trajectory Episode(string env, string task, int seed, double reward, bool success, Termination termination = Termination.Terminated,
        EpisodeError? error = null, int tokens = 10, int? promptTokens = null, TokenCountSource source = TokenCountSource.Endpoint, double startSeconds = 0) => new()
    {
        EpisodeId = $"{env}:{task}:{seed}", EnvironmentId = env, TaskId = task, Seed = seed, AgentId = "sk/tiny", TotalReward = reward,
        Breakdown = error is null ? new RewardBreakdown(new Dictionary<string, double> { ["correct"] = success ? 1 : 0, ["format"] = 0.5 }, reward, success) : null,
        Termination = termination, Error = error, AssistantTokens = tokens, PromptTokens = promptTokens, TokenCount = source,
        StartedAt = Start.AddSeconds(startSeconds), DurationMs = 1000,
    };

    private static List<Trajectory> RunA() =>
    [
        Episode("math", "t1", 1, 1, true, promptTokens: 30), Episode("math", "t1", 2, 0, false, promptTokens: 30),
        Episode("math", "t1", 3, 1, true, promptTokens: 30), Episode("math", "t2", 1, 1, true, promptTokens: 30),
        Episode("math", "t2", 2, 0, false, Termination.Errored, new EpisodeError(ErrorBoundary.Agent, "empty_reply", "no choices"), promptTokens: 30),
        Episode("math", "t2", 3, 0, false, Termination.Truncated, promptTokens: 30, startSeconds: 4),
    ];

    [Fact]
    public void Score_OneEnvironment_EveryFigureAsWorkedByHand()
    {
        var report = EvalReport.Score(RunA());

        var math = Assert.Single(report.Environments);
        Assert.Equal(("math", 6, 2), (math.Environment, math.Episodes, math.Tasks));
        Assert.Equal(3 / 6.0, math.SuccessRate, 12);
        // t1: n 3, c 2; t2: n 3, c 1. pass@1 = (2/3 + 1/3)/2; pass@2 = (1 + (1 − C(2,2)/C(3,2)))/2 = (1 + 2/3)/2; pass@3 = (1 + 1)/2.
        Assert.Equal([1, 2, 3], math.PassAtK.Keys.Order());
        Assert.Equal(0.5, math.PassAtK[1], 12);
        Assert.Equal(5 / 6.0, math.PassAtK[2], 12);
        Assert.Equal(1.0, math.PassAtK[3], 12);
        // Rewards 1,0,1,1,0,0: mean 0.5, sample variance 0.3, interval 1.96 · √(0.3/6).
        Assert.Equal(0.5, math.RewardMean, 12);
        Assert.Equal(1.959963984540054 * Math.Sqrt(0.3 / 6), math.RewardInterval95, 12);
        // The errored episode was not scored: components over the other five.
        Assert.Equal(3 / 5.0, math.RewardComponents["correct"], 12);
        Assert.Equal(0.5, math.RewardComponents["format"], 12);
        Assert.Equal(new Dictionary<string, int> { ["terminated"] = 4, ["truncated"] = 1, ["errored"] = 1 }, math.Terminations);
        Assert.Equal(new Dictionary<string, int> { ["agent/empty_reply"] = 1 }, math.Errors);
        Assert.Equal((60L, (long?)180L, "endpoint"), (math.CompletionTokens, math.PromptTokens, math.TokenCount));
        Assert.Equal(6.0, math.EpisodeSeconds, 12);
        Assert.Equal(5.0, report.WallSeconds, 12);   // from the first start to the last end
        Assert.Equal("sk/tiny", report.Agent);
    }

    [Fact]
    public void Score_SeveralEnvironments_AllCombinesThemAndKStopsAtTheFewestAttempts()
    {
        List<Trajectory> episodes = [.. RunA(), Episode("desk", "d1", 1, 2, true, source: TokenCountSource.Estimate), Episode("desk", "d1", 2, 2, true, source: TokenCountSource.Estimate)];

        var report = EvalReport.Score(episodes, wallSeconds: 9);

        Assert.Equal(["desk", "math"], report.Environments.Select(e => e.Environment));
        Assert.Equal([1, 2], report.Environments[0].PassAtK.Keys.Order());
        Assert.Equal((8, 3, 9.0), (report.All.Episodes, report.All.Tasks, report.WallSeconds));
        Assert.Equal([1, 2], report.All.PassAtK.Keys.Order());
        Assert.Equal((1.0 / 3 + 2.0 / 3 + 1) / 3, report.All.PassAtK[1], 12);
        Assert.Equal(("mixed", (long?)180L), (report.All.TokenCount, report.All.PromptTokens));
    }

    [Fact]
    public void Compare_SameTasksAndSeeds_DifferencesAndPairedOutcomes()
    {
        var a = RunA();
        // B solves t1 seed 2 that A missed, and misses t2 seed 1 that A solved; it also runs an environment A did not.
        var b = RunA().Select(t => (t.TaskId, t.Seed) switch
        {
            ("t1", 2) => t with { TotalReward = 1, Breakdown = t.Breakdown! with { Success = true } },
            ("t2", 1) => t with { TotalReward = 0, Breakdown = t.Breakdown! with { Success = false } },
            _ => t,
        }).Append(Episode("desk", "d1", 1, 2, true)).ToList();

        var differences = EvalComparison.Compare(EvalReport.Score(a), a, EvalReport.Score(b), b);

        Assert.Equal(["desk", "math", "all"], differences.Select(d => d.Environment));
        var math = differences[1];
        Assert.Equal((6, 1, 1, 0.0, 0.0), (math.Paired, math.OnlyASolved, math.OnlyBSolved, math.SuccessRate, math.RewardMean));
        // pass@2: A (1 + 2/3)/2; B t1 n 3 c 3 → 1, t2 n 3 c 0 → 0: 1/2.
        Assert.Equal(0.5 - 5 / 6.0, math.PassAtK[2], 12);
        var desk = differences[0];
        Assert.Null(desk.A);
        Assert.Equal((0, 1.0), (desk.Paired, desk.SuccessRate));
        Assert.Equal((6, 1, 1), (differences[2].Paired, differences[2].OnlyASolved, differences[2].OnlyBSolved));
    }
}
