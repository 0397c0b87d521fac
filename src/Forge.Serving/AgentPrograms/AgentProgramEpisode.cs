using Forge.Core;
using Forge.Host.Fingerprints;
using Forge.Serving.Episodes;

namespace Forge.Serving.AgentPrograms;

/// <summary>
/// One agent-program episode: what the program returned, every call it made with its exact ids, the token sequences
/// those calls stitch into, the score, and the trajectories recorded for it (one per sequence, sharing the reward).
/// </summary>
/// <param name="EpisodeId">The episode id.</param>
/// <param name="Output">The program's final output; null when it failed.</param>
/// <param name="Calls">The completions served for the episode.</param>
/// <param name="Sequences">The stitched token sequences (what training learns from).</param>
/// <param name="Reward">The episode's total reward (0 when the program failed).</param>
/// <param name="Breakdown">The rubric's scores; null when the episode was not scored.</param>
/// <param name="Error">Why the episode failed; null when it did not.</param>
/// <param name="Trajectories">The episode as Forge trajectories: one per sequence.</param>
public sealed record AgentProgramEpisode(
    string EpisodeId, string? Output, IReadOnlyList<ServedCall> Calls, IReadOnlyList<StitchedSequence> Sequences,
    double Reward, RewardBreakdown? Breakdown, EpisodeError? Error, IReadOnlyList<Trajectory> Trajectories)
{
    /// <summary>
    /// The episode the driver recorded as <paramref name="driven"/> (reward, termination, error, deadlines, provenance),
    /// with the program's calls from <paramref name="run"/> as its steps: one trajectory per stitched sequence, the first
    /// keeping the episode id, the others <c>ID#k</c>; the last step of each carries the reward and <c>agent_program.*</c> info.
    /// <paramref name="environmentType"/> is the registered environment's class, recorded in the provenance.
    /// </summary>
    public static AgentProgramEpisode From(Trajectory driven, ProgramRun? run, Type? environmentType)
    {
        ArgumentNullException.ThrowIfNull(driven);
        var calls = run?.Calls ?? [];
        var sequences = TokenStitcher.Stitch(calls);
        var provenance = driven.Provenance is { } p && environmentType is not null
            ? p with { EnvironmentAssembly = environmentType.Assembly.GetName().Name ?? "", EnvironmentAssemblyHash = Fingerprint.Of(environmentType.Assembly) }
            : driven.Provenance;
        var trajectories = new List<Trajectory>();
        for (var k = 0; k < Math.Max(1, sequences.Count); k++)
        {
            var info = new Dictionary<string, string>(driven.Steps.Count > 0 ? driven.Steps[^1].Info : new Dictionary<string, string>())
            {
                ["agent_program.sequence"] = $"{k + 1}/{Math.Max(1, sequences.Count)}",
                ["agent_program.stitched"] = sequences.Count > 0 && sequences[k].Stitched ? "true" : "false",
                ["agent_program.calls"] = sequences.Count == 0 ? "" : string.Join(',', sequences[k].Calls),
            };
            if (run?.Output is { } output) info["agent_program.output"] = output;
            var messages = sequences.Count == 0 ? [] : ProgramConversation.Of(calls, sequences[k].Calls[^1]).ToList();
            var first = messages.FindIndex(m => m.Role == Role.Assistant);
            var steps = first < 0 ? [.. driven.Steps] : Steps(messages, first);
            if (steps.Count > 0) steps[^1] = steps[^1] with { Info = info, Reward = driven.TotalReward };
            trajectories.Add(driven with
            {
                EpisodeId = k == 0 ? driven.EpisodeId : $"{driven.EpisodeId}#{k}",
                Provenance = provenance,
                PolicyVersion = calls.Count > 0 ? (int)calls[^1].PolicyVersion : driven.PolicyVersion,
                Prompt = first < 0 ? driven.Prompt : messages[..first],
                Tools = sequences.Count == 0 ? driven.Tools : calls[sequences[k].Calls[^1]].Tools,
                Steps = steps,
                AssistantTokens = calls.Sum(c => c.Choices[0].CompletionIds.Count),
                TokenCount = TokenCountSource.Policy,
            });
        }
        return new AgentProgramEpisode(driven.EpisodeId, run?.Output, calls, sequences, driven.TotalReward, driven.Breakdown, driven.Error, trajectories);
    }

    // One step per assistant message, its observation the messages up to the next one.
    private static List<Step> Steps(List<Message> messages, int first)
    {
        var steps = new List<Step>();
        for (var i = first; i < messages.Count; i++)
        {
            if (messages[i].Role != Role.Assistant) continue;
            var observation = messages.Skip(i + 1).TakeWhile(m => m.Role != Role.Assistant).ToList();
            steps.Add(new Step { Index = steps.Count, Action = messages[i], Observation = observation });
        }
        return steps;
    }
}
