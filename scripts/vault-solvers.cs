// Measures the vault game's scripted players: `dotnet run scripts/vault-solvers.cs [episodes]` from the repository root.
// Prints each player's success rate and mean graded reward, on level-1 tasks and on tasks of both levels.
#:project ../environments/Forge.Environments.csproj
#:property PublishAot=false
using Forge.Core;
using Forge.Environments.Vault;

var episodes = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 2000;
var limits = new EpisodeLimits { MaxTurns = 4 };
foreach (var agent in new IAgent[] { new VaultSolver(), new VaultNoviceSolver() })
foreach (var maxLevel in new[] { 1, 2 })
{
    var tasks = new VaultTasks(maxLevel);
    var (solved, reward) = (0, 0.0);
    for (var seed = 0; seed < episodes; seed++)
    {
        await using var environment = new VaultEnvironment();
        var task = tasks.Generate(seed, seed);
        var context = new EpisodeContext($"vault-{seed}", seed) { Limits = limits };
        var reset = await environment.ResetAsync(context, task);
        var conversation = new List<Message>(reset.Observation);
        while (true)
        {
            var action = await agent.ActAsync(new AgentTurn("game/vault", task, conversation, reset.Tools, context), default);
            var step = await environment.StepAsync(action, default);
            conversation.Add(action);
            conversation.AddRange(step.Observation);
            if (!step.Done) continue;
            solved += step.Breakdown!.Success ? 1 : 0;
            reward += step.Reward;
            break;
        }
    }
    Console.WriteLine($"{agent.Id,-22} levels 1..{maxLevel}: success {solved / (double)episodes:0.000}, mean graded reward {reward / episodes:0.000} ({episodes} episodes)");
}
