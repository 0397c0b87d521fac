using Forge.Agents.Scripted;
using Forge.Core.Scripted;
using Forge.Core;
using Forge.Environments.MathReasoning;
using Forge.Environments.SupportDesk;
using Forge.Environments.Vault;

namespace Forge.Environments.Tests;

/// <summary>Each environment played by its solver wrapped in a <see cref="NoisyAgent"/>: mistakes are answered, never thrown, and cost reward.</summary>
public sealed class NoisySolverTests
{
    public static TheoryData<string> Environments => new(["math/arithmetic", "support/desk", "game/vault"]);

    private static (Func<IEnvironment> Create, IAgent Solver, Func<int, IEnvironmentTask> Task, EpisodeLimits Limits) Setup(string id) => id switch
    {
        "math/arithmetic" => (() => new ArithmeticEnvironment(), new MathSolver(),
            i => new ArithmeticTasks().Generate(1, i), new EpisodeLimits { MaxTurns = 6 }),
        "support/desk" => (() => new SupportDeskEnvironment(), new SupportSolver(),
            i => TaskFile.Read<SupportTask>(TaskFiles.Path("SupportDesk/tickets.jsonl"))[i % 14], new EpisodeLimits { MaxTurns = 12 }),
        _ => (() => new VaultEnvironment(), new VaultSolver(), i => new VaultTasks().Generate(1, i), new EpisodeLimits { MaxTurns = 4 }),
    };

    [Theory]
    [MemberData(nameof(Environments))]
    public async Task NoisySolver_ThirtyPercentMistakes_EpisodesEndCleanlyWithLowerSuccess(string id)
    {
        var (create, solver, task, limits) = Setup(id);
        var noisy = new NoisyAgent(solver, 0.3);
        int solved = 0, noisySolved = 0;
        const int episodes = 60;
        for (var i = 0; i < episodes; i++)
        {
            var clean = await Episode.PlayAsync(create(), solver, task(i), seed: i, limits);
            var outcome = await Episode.PlayAsync(create(), noisy, task(i), seed: i, limits);
            Assert.True(outcome.Last.Done);
            solved += clean.Breakdown.Success ? 1 : 0;
            noisySolved += outcome.Breakdown.Success ? 1 : 0;
        }
        Assert.Equal(episodes, solved);
        Assert.InRange(noisySolved, 1, episodes - 6);
    }
}
