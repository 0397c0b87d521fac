using System.Runtime.CompilerServices;
using Forge.Core;

namespace Forge.Cluster.Workers;

/// <summary>The agent of an episode whose agent stays with the driver: each turn goes to the driver's <see cref="ITurnSource"/>.</summary>
/// <param name="driver">Where turns are played.</param>
/// <param name="driverAgentId">The driver's agent's id.</param>
/// <param name="latest">The driver's agent as last heard of (shared by a run's episodes; each reply updates it).</param>
internal sealed class RemoteAgent(ITurnSource driver, string driverAgentId, StrongBox<AgentProvenance> latest) : IAgent
{
    public string Id => driverAgentId;

    public AgentProvenance Provenance
    {
        get
        {
            var agent = Volatile.Read(ref latest.Value!);
            return agent with { Details = agent.Details is { } d ? $"{d}; played at the driver" : "played at the driver" };
        }
    }

    public async ValueTask<Message> ActAsync(AgentTurn turn, CancellationToken cancellationToken)
    {
        var request = new RemoteTurn { EpisodeId = turn.Context.EpisodeId, Conversation = turn.Conversation, Tools = turn.Tools, AgentSeed = turn.AgentSeed };
        var encoded = await driver.ActAsync(WireFormat.Encode(request)).WaitAsync(cancellationToken).ConfigureAwait(false);
        var reply = WireFormat.Decode<RemoteReply>(encoded, "driver's reply");
        if (reply.Agent is { } agent) Volatile.Write(ref latest.Value, agent);
        return reply.Message ?? throw reply.Failure();
    }
}
