using Forge.Agents.Scripted;
using Forge.Core.Scripted;
using Forge.Agents.SemanticKernel;
using Forge.Core;
using Forge.Host.Registry;
using Forge.Host.Scenarios;

namespace Forge.Cli.Commands.Run;

/// <summary>
/// Builds the agent a scenario's <c>"agent"</c> section names. One case per agent type; the owner of each type adds
/// its case here (its options are in <see cref="ScenarioAgent.Raw"/>).
/// </summary>
internal static class AgentFactory
{
    public static IAgent Create(Scenario scenario, EnvironmentRegistry registry) => scenario.Agent.Type switch
    {
        "scripted" => Scripted(scenario, registry),
        "noisy" => new NoisyAgent(Scripted(scenario, registry), scenario.Agent.ErrorRate),
        "semantic-kernel" => SemanticKernelAgent.FromScenario(scenario.Agent.Raw, scenario.Path),
        // "policy" never reaches here: RunCommand runs it through the scenario's trainer section.
        var type => throw new ArgumentException($"{scenario.Path}: $.agent.type: the `{type}` agent is not available in this build of forge."),
    };

    /// <summary>Each environment's scripted solver, behind one agent that routes each turn to the solver of its environment.</summary>
    private static RoutingAgent Scripted(Scenario scenario, EnvironmentRegistry registry)
    {
        var solvers = new Dictionary<string, IAgent>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var entry in scenario.Environments)
        {
            var registered = registry.Get(entry.Id);
            if (registered.CreateSolver() is { } solver) solvers[registered.Id] = solver;
            else missing.Add($"{scenario.Path}: {entry.JsonPath}.id: {entry.Id} has no scripted solver (\"solver\" in {registry.Path}); run it with another agent type");
        }
        if (missing.Count > 0) throw new ScenarioException(missing);
        return new RoutingAgent(solvers);
    }
}
