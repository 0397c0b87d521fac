using Forge.Host.Checking;
using Forge.Host.Registry;
using Forge.Host.Tests.Registry;

namespace Forge.Host.Tests.Checking;

public sealed class EnvironmentCheckerTests
{
    private static readonly CheckOptions Quick = new() { Seeds = [0, 1], Episodes = 2, Timeout = TimeSpan.FromSeconds(20) };

    private static async Task<CheckReport> CheckAsync(string id, string tasks = "\"file\": \"tasks/echo.jsonl\"", string extra = "", CheckOptions? options = null)
    {
        using var files = TempRegistry.With(id, $$"""
            { "assembly": "Forge.Host.Tests", "tasks": { {{tasks}} } {{extra}} }
            """);
        var environment = EnvironmentRegistry.Load(files.Path).Get(id);
        return await EnvironmentChecker.CheckAsync(environment, options ?? Quick);
    }

    /// <summary>Asserts a check's status, showing the whole report when it differs.</summary>
    private static CheckResult Expect(CheckReport report, string name, CheckStatus status)
    {
        var check = report[name];
        Assert.True(check.Status == status, $"{name} is {check.Status}, expected {status}. Report:{Environment.NewLine}" +
            string.Join(Environment.NewLine, report.Checks.Select(c => $"  {c.Name}: {c.Status}: {c.Message}")));
        return check;
    }

    [Fact]
    public async Task CheckAsync_WellBehavedEnvironmentWithSolver_PassesEveryCheck()
    {
        using var files = TempRegistry.With("test/echo", TempRegistry.EchoEntry);
        var echo = EnvironmentRegistry.Load(files.Path).Get("test/echo");

        var report = await EnvironmentChecker.CheckAsync(echo, Quick);

        Assert.True(report.Passed, string.Join(Environment.NewLine, report.Failures.Select(f => $"{f.Name}: {f.Message}")));
        Assert.Equal(CheckNames.All, report.Checks.Select(c => c.Name));
        Assert.All(report.Checks, c => Assert.Equal(CheckStatus.Passed, c.Status));
        Assert.Equal("test/echo", report.EnvironmentId);
        Assert.Equal("2", report.Version);
        Assert.Contains("scripted/echo solved 4/4 episodes", report[CheckNames.Solver].Message);
        Assert.Contains("spell", report[CheckNames.ToolSchemas].Message);
    }

    [Fact]
    public async Task CheckAsync_NoSolver_SkipsTheSolverCheckAndProbesInstead()
    {
        using var files = TempRegistry.With("test/unsolved", """
            { "assembly": "Forge.Host.Tests", "tasks": { "generator": "Forge.Host.Tests.Registry.Fixtures.EchoTasks", "count": 20 } }
            """);
        var echo = EnvironmentRegistry.Load(files.Path).Get("test/unsolved");

        var report = await EnvironmentChecker.CheckAsync(echo, Quick);

        Assert.True(report.Passed, string.Join(Environment.NewLine, report.Failures.Select(f => $"{f.Name}: {f.Message}")));
        Expect(report, CheckNames.Solver, CheckStatus.Skipped);
        Assert.Contains("forge/probe", report[CheckNames.Determinism].Message);
        Assert.DoesNotContain("scripted/echo", report[CheckNames.Determinism].Message);
    }

    [Fact]
    public async Task CheckAsync_NondeterministicEnvironment_FailsDeterminism()
    {
        var report = await CheckAsync("broken/nondeterministic");

        Expect(report, CheckNames.Reset, CheckStatus.Passed);
        var determinism = Expect(report, CheckNames.Determinism, CheckStatus.Failed);
        Assert.Contains("two runs on fresh instances differ", determinism.Message);
        Assert.Contains("reset: observation", determinism.Message);
        Assert.False(report.Passed);
        Expect(report, CheckNames.Reset, CheckStatus.Passed);
    }

    [Fact]
    public async Task CheckAsync_EnvironmentQuotingTheClock_IsReportedAsNotForkable()
    {
        var report = await CheckAsync("broken/clock-reading");

        Expect(report, CheckNames.Determinism, CheckStatus.Passed);
        var forkable = Expect(report, CheckNames.Forkable, CheckStatus.Failed);
        Assert.StartsWith("not forkable: re-executing the 1 recorded action of seed 0, task 'a' (forge/probe) on a fresh instance", forkable.Message);
        Assert.Contains("differs at reset: observation", forkable.Message);
        Assert.Contains("[NotForkable(\"why\")]", forkable.Message);
    }

    [Fact]
    public async Task CheckAsync_EnvironmentMarkedNotForkable_SaysWhyAndSkips()
    {
        var report = await CheckAsync("broken/clock-reading-declared");

        var forkable = Expect(report, CheckNames.Forkable, CheckStatus.Skipped);
        Assert.Equal("not forkable: it quotes the wall clock ([NotForkable]); replay can't rerun or fork its episodes", forkable.Message);
    }

    [Fact]
    public async Task CheckAsync_EpisodesInParallel_ReportTheFirstFailureInTaskOrder()
    {
        var options = new CheckOptions { Seeds = [0, 1, 2], Episodes = 2, Parallelism = 6 };

        var report = await CheckAsync("broken/nondeterministic", options: options);

        Assert.StartsWith("seed 0, task 'a' (forge/probe): two runs on fresh instances differ", Expect(report, CheckNames.Determinism, CheckStatus.Failed).Message);
    }

    [Fact]
    public async Task CheckAsync_RewardAboveTheDeclaredRange_FailsRewardRange()
    {
        var report = await CheckAsync("broken/overpaying");

        var range = Expect(report, CheckNames.RewardRange, CheckStatus.Failed);
        Assert.Matches(@"graded mode: the episode's reward [56] is outside the declared range \[0, 1\]", range.Message);
    }

    [Fact]
    public async Task CheckAsync_ExceptionOnGarbageInput_FailsTheHostileChecks()
    {
        var report = await CheckAsync("broken/fragile");

        var garbage = Expect(report, CheckNames.GarbageText, CheckStatus.Failed);
        Assert.Contains("StepAsync (step 0, the reply", garbage.Message);
        Assert.Contains("threw FormatException", garbage.Message);
        Assert.DoesNotContain('\u001b', garbage.Message);
        Assert.DoesNotContain('\n', garbage.Message);
        Assert.Contains("threw FormatException", Expect(report, CheckNames.EmptyMessage, CheckStatus.Failed).Message);
        // The bad call itself is answered by the base class; the reply the agent sends after it breaks the environment.
        Assert.Contains("step 1, the reply", Expect(report, CheckNames.UnknownTool, CheckStatus.Failed).Message);
    }

    [Fact]
    public async Task CheckAsync_StepThatHangs_FailsWithinTheTimeout()
    {
        var options = new CheckOptions { Seeds = [0], Episodes = 1, Timeout = TimeSpan.FromMilliseconds(300) };

        var report = await CheckAsync("broken/hanging", options: options);

        var garbage = Expect(report, CheckNames.GarbageText, CheckStatus.Failed);
        Assert.Contains("didn't finish within the 0.3 s the check allows", garbage.Message);
        Assert.True(garbage.Duration < TimeSpan.FromSeconds(10));
        Expect(report, CheckNames.HugeMessage, CheckStatus.Passed);
        Expect(report, CheckNames.UnknownTool, CheckStatus.Passed);
    }

    [Fact]
    public async Task CheckAsync_HandWrittenContractViolations_AreEachReported()
    {
        var report = await CheckAsync("broken/sloppy",
            tasks: "\"generator\": \"Forge.Host.Tests.Registry.Fixtures.EchoTasks\", \"count\": 5");

        var tools = Expect(report, CheckNames.ToolSchemas, CheckStatus.Failed);
        Assert.Contains("tool 'Bad-Name': a name is lower-case letters", tools.Message);
        Assert.Contains("tool 'Bad-Name' has no description", tools.Message);
        Assert.Contains("not valid JSON Schema (draft 2020-12)", tools.Message);
        Assert.Contains("the parameter 'x' has no description", tools.Message);
        Assert.Contains("the required parameter \"y\" is not among its properties", tools.Message);

        Expect(report, CheckNames.StepAfterDone, CheckStatus.Failed);
        Assert.Contains("returned a result; it must throw InvalidOperationException", report[CheckNames.StepAfterDone].Message);
        Expect(report, CheckNames.Truncation, CheckStatus.Failed);
        Assert.Contains("terminated=True, truncated=False; a limit truncates", report[CheckNames.Truncation].Message);
        Expect(report, CheckNames.Determinism, CheckStatus.Passed);
    }

    [Fact]
    public async Task CheckAsync_Cancelled_Throws()
    {
        using var files = TempRegistry.With("test/echo", TempRegistry.EchoEntry);
        var echo = EnvironmentRegistry.Load(files.Path).Get("test/echo");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => EnvironmentChecker.CheckAsync(echo, Quick, new CancellationToken(canceled: true)));
    }

    [Fact]
    public void Validate_BadOptions_ListsEveryProblem()
    {
        var options = new CheckOptions { Seeds = [], Episodes = 0, Timeout = TimeSpan.Zero, Parallelism = 0 };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("seeds: give at least one seed", error.Message);
        Assert.Contains("episodes must be at least 1", error.Message);
        Assert.Contains("timeout must be positive", error.Message);
        Assert.Contains("parallelism must be at least 1", error.Message);
    }

    [Fact]
    public void Indexer_UnknownCheck_NamesTheKnownOnes()
    {
        var report = new CheckReport("x", "1", [new CheckResult("reset", CheckStatus.Passed, "", TimeSpan.Zero)]);

        Assert.Contains("Checks: reset.", Assert.Throws<KeyNotFoundException>(() => report["nope"]).Message);
    }
}
