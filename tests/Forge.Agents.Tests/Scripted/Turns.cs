using Forge.Core;

namespace Forge.Agents.Tests.Scripted;

internal sealed record StubTask(string Id) : IEnvironmentTask;

/// <summary>Builds agent turns and stub agents for the scripted-agent tests.</summary>
internal static class Turns
{
    public static readonly IReadOnlyList<ToolSpec> Tools = [new("lookup", "Looks up.", """{"type":"object","properties":{"key":{"type":"string"}}}""")];

    public static AgentTurn At(int seed, int turnIndex, string environmentId = "game/test")
    {
        var conversation = new List<Message> { Message.User("go") };
        for (var i = 0; i < turnIndex; i++) conversation.AddRange([Message.Assistant("..."), Message.User("more")]);
        return new AgentTurn(environmentId, new StubTask("t"), conversation, Tools, new EpisodeContext($"e{seed}", seed));
    }

    public static IAgent Fixed(Message message, string id = "stub") => new FixedAgent(message, id);

    private sealed class FixedAgent(Message message, string id) : IAgent
    {
        public string Id => id;

        public ValueTask<Message> ActAsync(AgentTurn turn, CancellationToken cancellationToken) => ValueTask.FromResult(message);
    }
}
