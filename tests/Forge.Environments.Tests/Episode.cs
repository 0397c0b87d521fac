using Forge.Core;

namespace Forge.Environments.Tests;

/// <summary>The end of an episode played in a test: the whole conversation and the last step.</summary>
internal sealed record EpisodeOutcome(IReadOnlyList<Message> Conversation, StepResult Last, int Turns)
{
    public RewardBreakdown Breakdown => Last.Breakdown ?? throw new InvalidOperationException("the episode was not scored");

    public double Score(string name) => Breakdown.Scores[name];
}

/// <summary>Plays one episode of an environment with an agent, the way the host does, without the host.</summary>
internal static class Episode
{
    public static async Task<EpisodeOutcome> PlayAsync(IEnvironment environment, IAgent agent, IEnvironmentTask task, int seed = 1,
        EpisodeLimits? limits = null, RewardMode mode = RewardMode.Graded, ISandbox? sandbox = null, Forge.Core.Rewards.JudgeEndpoint? judge = null)
    {
        var context = new EpisodeContext($"test-{task.Id}-{seed}", seed) { Limits = limits ?? EpisodeLimits.Default, RewardMode = mode, Sandbox = sandbox, Judge = judge };
        var reset = await environment.ResetAsync(context, task);
        var conversation = new List<Message>(reset.Observation);
        for (var turn = 0; ; turn++)
        {
            var action = await agent.ActAsync(new AgentTurn(environment.Info.Id, task, conversation, reset.Tools, context), CancellationToken.None);
            var step = await environment.StepAsync(action, CancellationToken.None);
            conversation.Add(action);
            conversation.AddRange(step.Observation);
            if (step.Done) return new EpisodeOutcome(conversation, step, turn + 1);
        }
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
