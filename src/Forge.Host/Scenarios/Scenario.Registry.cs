using Forge.Host.Registry;

namespace Forge.Host.Scenarios;

public sealed partial record Scenario
{
    /// <summary>
    /// The episodes the scenario runs, in a fixed order (environment, task, group, member), each with a seed derived from
    /// <see cref="Seed"/> and its place (<see cref="EpisodeSeeds"/>): the same scenario always expands to the same requests.
    /// Limits are the registry's defaults with the scenario's overrides. Throws <see cref="ScenarioException"/> naming every
    /// unknown environment or task, with "did you mean".
    /// </summary>
    public IReadOnlyList<EpisodeRequest> ExpandRequests(EnvironmentRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return ExpandRequests(id =>
        {
            var environment = registry.Get(id);
            return new EnvironmentSource(environment.Id, environment.Limits, environment.RewardMode, environment.Tasks, environment.TaskProvenance);
        });
    }
}
