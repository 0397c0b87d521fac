using Forge.Core;

namespace Forge.Cluster.Workers;

/// <summary>The agent of an episode whose agent stays with the driver: each turn goes to the driver's <see cref="ITurnSource"/>.</summary>
internal sealed class RemoteAgent(ITurnSource driver, string driverAgentId, AgentProvenance driverAgent) : IAgent
{
    public string Id => driverAgentId;

    public AgentProvenance Provenance => driverAgent with { Details = driverAgent.Details is { } d ? $"{d}; played at the driver" : "played at the driver" };

    public async ValueTask<Message> ActAsync(AgentTurn turn, CancellationToken cancellationToken)
    {
        var request = new RemoteTurn { EpisodeId = turn.Context.EpisodeId, Conversation = turn.Conversation, Tools = turn.Tools, AgentSeed = turn.AgentSeed };
        var reply = await driver.ActAsync(WireFormat.Encode(request)).WaitAsync(cancellationToken).ConfigureAwait(false);
        return WireFormat.Decode<Message>(reply, "driver's message");
    }
}
