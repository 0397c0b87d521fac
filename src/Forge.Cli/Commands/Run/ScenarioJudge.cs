using System.Collections.Concurrent;
using Forge.Agents.Judging;
using Forge.Core;
using Forge.Core.Rewards;
using Forge.Host;
using Forge.Host.Scenarios;

namespace Forge.Cli.Commands.Run;

/// <summary>
/// The judge model of a scenario's <c>"judge"</c> section, connected once per run and handed to every episode; and, for
/// replay, connections to the judges trajectories recorded (one per judge), for the questions their recordings didn't ask.
/// </summary>
internal static class ScenarioJudge
{
    /// <summary><paramref name="requests"/> with the scenario's judge (connected here), or as they are when it has none.</summary>
    public static IReadOnlyList<EpisodeRequest> Attach(Scenario scenario, IReadOnlyList<EpisodeRequest> requests)
    {
        if (scenario.Judge is not { } options) return requests;
        var judge = OpenAiJudgeModel.Connect(options);
        return [.. requests.Select(r => r with { Judge = judge })];
    }

    /// <summary>Connects to each recorded judge once (its endpoint, model and mode as recorded); a judge recorded without an endpoint answers only from recordings.</summary>
    public static Func<JudgeProvenance, JudgeEndpoint> ForReplay()
    {
        var connected = new ConcurrentDictionary<JudgeProvenance, JudgeEndpoint>();
        return judged => connected.GetOrAdd(judged, j => OpenAiJudgeModel.Connect(j) ?? JudgeEndpoint.RecordingOnly(j));
    }
}
