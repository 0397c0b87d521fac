using System.Globalization;
using Forge.Core;
using Forge.Host.Fingerprints;
using Forge.Serving.Episodes;

namespace Forge.Serving.AgentPrograms;

/// <summary>
/// One agent-program episode: what the program returned, every call it made with its exact ids, and the trajectory recorded
/// for it — the driver's reward, termination and provenance, the program's last conversation as its steps, and the token
/// sequences its calls stitch into (<see cref="Trajectory.TokenSequences"/>, what training learns from).
/// </summary>
/// <param name="Output">The program's final output; null when it failed.</param>
/// <param name="Calls">The completions served for the episode.</param>
/// <param name="Trajectory">The episode as a Forge trajectory.</param>
public sealed record AgentProgramEpisode(string? Output, IReadOnlyList<ServedCall> Calls, Trajectory Trajectory)
{
    /// <summary>The episode id.</summary>
    public string EpisodeId => Trajectory.EpisodeId;

    /// <summary>The stitched token sequences: one when every call extended the last, more when the program rewrote its history.</summary>
    public IReadOnlyList<TokenSequence> Sequences => Trajectory.TokenSequences;

    /// <summary>The episode's total reward (0 when the program failed).</summary>
    public double Reward => Trajectory.TotalReward;

    /// <summary>The rubric's scores; null when the episode was not scored.</summary>
    public RewardBreakdown? Breakdown => Trajectory.Breakdown;

    /// <summary>Why the episode failed; null when it did not.</summary>
    public EpisodeError? Error => Trajectory.Error;

    /// <summary>
    /// The episode the driver recorded as <paramref name="driven"/> (reward, termination, error, deadlines, provenance), with
    /// the program's calls from <paramref name="run"/>: its steps are the last call's conversation (one step per assistant
    /// message, exact ids attached), its token sequences the calls stitched; the last step carries the reward and
    /// <c>agent_program.*</c> info. <paramref name="environmentType"/> is the registered environment's class, recorded in the provenance.
    /// </summary>
    public static AgentProgramEpisode From(Trajectory driven, ProgramRun? run, Type? environmentType)
    {
        ArgumentNullException.ThrowIfNull(driven);
        var calls = run?.Calls ?? [];
        var sequences = TokenStitcher.Stitch(calls);
        var provenance = driven.Provenance is { } p && environmentType is not null
            ? p with { EnvironmentAssembly = environmentType.Assembly.GetName().Name ?? "", EnvironmentAssemblyHash = Fingerprint.Of(environmentType.Assembly) }
            : driven.Provenance;
        var info = new Dictionary<string, string>(driven.Steps.Count > 0 ? driven.Steps[^1].Info : new Dictionary<string, string>())
        {
            ["agent_program.calls"] = calls.Count.ToString(CultureInfo.InvariantCulture),
            ["agent_program.sequences"] = sequences.Count.ToString(CultureInfo.InvariantCulture),
            ["agent_program.stitched"] = sequences is [{ Stitched: true }] ? "true" : "false",
        };
        if (run?.Output is { } output) info["agent_program.output"] = output;
        var messages = ProgramConversation.Of(calls, calls.Count - 1).ToList();
        var first = messages.FindIndex(m => m.Role == Role.Assistant);
        var steps = first < 0 ? [.. driven.Steps] : Steps(messages, first);
        if (steps.Count > 0) steps[^1] = steps[^1] with { Info = info, Reward = driven.TotalReward };
        var trajectory = driven with
        {
            Provenance = provenance,
            PolicyVersion = calls.Count > 0 ? (int)calls[^1].PolicyVersion : driven.PolicyVersion,
            Prompt = first < 0 ? driven.Prompt : messages[..first],
            Tools = calls.Count == 0 ? driven.Tools : calls[^1].Tools,
            Steps = steps,
            AssistantTokens = calls.Sum(c => c.Choices[0].CompletionIds.Count),
            TokenCount = TokenCountSource.Policy,
            TokenSequences = sequences,
        };
        return new AgentProgramEpisode(run?.Output, calls, trajectory);
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
