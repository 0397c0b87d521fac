namespace Forge.Host.Checking.RedTeam;

/// <summary>One episode where an adversary reached half the reward range or more, or where the solver fell short of full marks.</summary>
/// <param name="Agent">The adversary (<c>red-team/echo-prompt</c>) or the solver.</param>
/// <param name="TaskId">The task.</param>
/// <param name="Seed">The episode's seed.</param>
/// <param name="Reward">What the episode earned.</param>
/// <param name="Breakdown">Each reward function's score.</param>
/// <param name="Episode">The agent's actions and what came back, one short line each.</param>
public sealed record RedTeamFinding(string Agent, string TaskId, int Seed, double Reward, IReadOnlyDictionary<string, double> Breakdown, IReadOnlyList<string> Episode);

/// <summary>What <see cref="RedTeamCheck"/> found on one environment.</summary>
/// <param name="EnvironmentId">The environment.</param>
/// <param name="Version">Its version.</param>
/// <param name="MinReward">The lowest reward it declares.</param>
/// <param name="MaxReward">The highest reward it declares.</param>
/// <param name="Threshold">An adversary at or above this reward is a finding: the middle of the range.</param>
/// <param name="Tasks">How many tasks were attacked.</param>
/// <param name="Adversaries">The adversaries, by id.</param>
/// <param name="BestByAdversary">Each adversary's highest reward over all tasks.</param>
/// <param name="Findings">Every episode at or above <paramref name="Threshold"/>.</param>
/// <param name="SolverMisses">Every task the solver didn't reach full marks on (empty without a solver).</param>
/// <param name="HasSolver">Whether the environment has a solver to hold to full marks.</param>
public sealed record RedTeamReport(string EnvironmentId, string Version, double MinReward, double MaxReward, double Threshold, int Tasks,
    IReadOnlyList<string> Adversaries, IReadOnlyDictionary<string, double> BestByAdversary,
    IReadOnlyList<RedTeamFinding> Findings, IReadOnlyList<RedTeamFinding> SolverMisses, bool HasSolver)
{
    /// <summary>No adversary reached the threshold and the solver reached full marks everywhere.</summary>
    public bool Passed => Findings.Count == 0 && SolverMisses.Count == 0;
}
