using Forge.Host.Checking;
using Forge.Host.Checking.RedTeam;
using Forge.Host.Registry;
using Forge.Host.Tests.Registry;

namespace Forge.Host.Tests.Checking;

public sealed class RedTeamCheckTests
{
    private static readonly CheckOptions Quick = new() { Seeds = [0], Episodes = 1, Timeout = TimeSpan.FromSeconds(20) };

    private static async Task<RedTeamReport> AttackAsync(string id)
    {
        using var files = TempRegistry.With(id, """{ "assembly": "Forge.Host.Tests", "tasks": { "file": "tasks/echo.jsonl" } }""");
        return await RedTeamCheck.RunAsync(EnvironmentRegistry.Load(files.Path).Get(id), Quick);
    }

    [Fact]
    public async Task RunAsync_SoundRubric_NoFindingsAndTheSolverFullMarks()
    {
        var report = await AttackAsync("test/echo");

        Assert.True(report.Passed, string.Join("; ", report.Findings.Select(f => $"{f.Agent} {f.TaskId} {f.Reward}")));
        Assert.Equal((3, 0.0, 1.5, 0.75), (report.Tasks, report.MinReward, report.MaxReward, report.Threshold));
        Assert.Contains("red-team/echo-prompt", report.Adversaries);
        Assert.Contains("red-team/wrong-content", report.Adversaries);
        Assert.All(report.BestByAdversary.Values, best => Assert.True(best < report.Threshold));
    }

    [Fact]
    public async Task RunAsync_RubricThatPaysForAMention_ReportsTheAdversariesWithTheirEpisodes()
    {
        var report = await AttackAsync("hackable/mention");

        Assert.False(report.Passed);
        var echo = Assert.Single(report.Findings, f => f.Agent == "red-team/echo-prompt" && f.TaskId == "a");
        Assert.Equal(1.0, echo.Reward);
        Assert.Equal(1.0, echo.Breakdown["mentioned"]);
        Assert.Contains(echo.Episode, line => line.Contains("Say the secret word. It is apple.", StringComparison.Ordinal));
        Assert.Contains(report.Findings, f => f.Agent == "red-team/every-candidate");
        Assert.DoesNotContain(report.Findings, f => f.Agent is "red-team/do-nothing" or "red-team/answer-empty");
    }

    [Fact]
    public async Task RunAsync_GraderThatTrustsTheProgramsOutput_FallsToTheFakeResults()
    {
        var report = await AttackAsync("hackable/trusting-grader");

        Assert.Equal(3, report.Findings.Count(f => f.Agent == "red-team/code-fake-results"));
        Assert.DoesNotContain(report.Findings, f => f.Agent == "red-team/code-exit-early");
        Assert.False(report.HasSolver);
    }

    [Fact]
    public async Task RunAsync_SolverShortOfFullMarks_IsReported()
    {
        var report = await AttackAsync("hackable/shouting-solver");

        Assert.False(report.Passed);
        Assert.Empty(report.Findings);
        Assert.Equal(["a", "b", "c"], report.SolverMisses.Select(m => m.TaskId));
        Assert.All(report.SolverMisses, m => Assert.Equal("scripted/shouting", m.Agent));
    }
}
