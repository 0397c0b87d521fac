using Forge.Host.Checking;
using Forge.Host.Checking.RedTeam;
using Forge.Host.Registry;

namespace Acme.Envs.Tests;

/// <summary>The environment keeps Forge's contract: the checks `forge envs check` runs, with its solver reaching full marks.</summary>
public sealed class ConformanceTests
{
    [Fact]
    public async Task ReverseEnvironment_PassesEveryCheck()
    {
        var report = await EnvironmentChecker.CheckAsync(EnvironmentRegistry.Describe<ReverseEnvironment>());

        Assert.True(report.Passed, string.Join(Environment.NewLine, report.Failures.Select(f => $"{f.Name}: {f.Message}")));
    }

    /// <summary>
    /// No adversary (doing nothing, echoing the prompt, garbage tool calls, every candidate at once, a huge message, the
    /// right form with the wrong content…) reaches half the reward range, and the solver still reaches full marks.
    /// </summary>
    [Fact]
    public async Task ReverseEnvironment_WithstandsTheRedTeam()
    {
        var report = await RedTeamCheck.RunAsync(EnvironmentRegistry.Describe<ReverseEnvironment>());

        Assert.True(report.Passed, string.Join(Environment.NewLine, report.Findings.Concat(report.SolverMisses)
            .Select(f => $"{f.Agent} on '{f.TaskId}': reward {f.Reward}: {string.Join(" | ", f.Episode)}")));
    }
}
