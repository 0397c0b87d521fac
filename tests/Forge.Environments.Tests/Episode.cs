using System.Reflection;
using Forge.Core;
using Forge.Host;
using Microsoft.Extensions.Logging.Abstractions;

namespace Forge.Environments.Tests;

/// <summary>The end of an episode played in a test: its trajectory and the environment's last answer.</summary>
internal sealed record EpisodeOutcome(Trajectory Trajectory, StepResult Last)
{
    /// <summary>The whole conversation, prompt first.</summary>
    public IReadOnlyList<Message> Conversation { get; } = [.. Trajectory.Messages()];

    /// <summary>How many actions the environment answered.</summary>
    public int Turns => Trajectory.Steps.Count;

    public RewardBreakdown Breakdown => Last.Breakdown ?? throw new InvalidOperationException("the episode was not scored");

    public double Score(string name) => Breakdown.Scores[name];
}

/// <summary>Plays one episode of an environment with an agent through the host's episode driver, as a run does.</summary>
internal static class Episode
{
    private static readonly EpisodeRunner Runner = new(sandboxes: null, TimeProvider.System, NullLogger.Instance, "test");

    /// <summary>
    /// Plays <paramref name="task"/> on <paramref name="environment"/> (which the caller keeps and disposes) with <paramref name="agent"/>,
    /// in a sandbox from <paramref name="sandboxes"/> when the environment needs one. An episode that errored fails the test with its error.
    /// </summary>
    public static async Task<EpisodeOutcome> PlayAsync(IEnvironment environment, IAgent agent, IEnvironmentTask task, int seed = 1,
        EpisodeLimits? limits = null, RewardMode mode = RewardMode.Graded, ISandboxProvider? sandboxes = null, Forge.Core.Rewards.JudgeEndpoint? judge = null)
    {
        var type = environment.GetType();
        var request = new EpisodeRequest($"test-{task.Id}-{seed}", type.GetCustomAttribute<EnvironmentAttribute>()?.Id ?? type.Name, task, seed, "")
        {
            Limits = limits ?? EpisodeLimits.Default,
            RewardMode = mode,
            Judge = judge,
        };
        var runner = sandboxes is null ? Runner : new EpisodeRunner(sandboxes, TimeProvider.System, NullLogger.Instance, "test");
        var actions = new AgentActions(agent, new AgentPipeline(agent, new RolloutOptions { AgentRetries = 0 }, TimeProvider.System));
        var outcome = await runner.RunEpisodeAsync(request, () => environment, ownsEnvironment: false, actions, CancellationToken.None);
        var t = outcome.Trajectory;
        if (t.Error is { } error)
            throw new InvalidOperationException($"{request.EpisodeId} errored at the {error.Boundary} boundary (step {error.Step}): {error.Type}: {error.Message}");
        var last = outcome.TruncationResult ?? (outcome.Results.Count > 0 ? outcome.Results[^1] : null)
            ?? throw new InvalidOperationException($"{request.EpisodeId} ended ({t.Termination}) before the environment answered an action");
        return new EpisodeOutcome(t, last);
    }

    /// <summary>An agent that plays a fixed list of messages, one per turn (the last one repeated).</summary>
    public static IAgent Playing(params Message[] messages) => new ListAgent(messages);

    /// <summary>A tool call message.</summary>
    public static Message Call(string tool, string argumentsJson, string id = "c") => Message.Assistant("", new ToolCall(id, tool, argumentsJson));

    private sealed class ListAgent(Message[] messages) : IAgent
    {
        public string Id => "test/list";

        public ValueTask<Message> ActAsync(AgentTurn turn, CancellationToken cancellationToken)
        {
            var m = messages[Math.Min(turn.TurnIndex, messages.Length - 1)];
            return ValueTask.FromResult(m with { ToolCalls = m.ToolCalls.Select((c, i) => c with { Id = $"call_{turn.TurnIndex}_{i}" }).ToList() });
        }
    }
}

/// <summary>Where the shipped task files are in the test output.</summary>
internal static class TaskFiles
{
    public static string Path(string relative) => System.IO.Path.Combine(AppContext.BaseDirectory, "environments", relative);
}
