using System.Collections.Concurrent;
using Forge.Core;
using Forge.Host;

namespace Forge.Cluster.Dispatch;

/// <summary>
/// The driver's answer to workers asking for turns: rebuilds the turn from the episode's request (the task never leaves
/// the driver's registry) and asks the driver's agent. Calls are served concurrently, so a batching policy batches the
/// turns of every worker together.
/// </summary>
internal sealed class TurnServer(IAgent agent, ConcurrentDictionary<string, EpisodeRequest> requests) : ITurnSource
{
    public async Task<byte[]> ActAsync(byte[] encoded)
    {
        var turn = WireFormat.Decode<RemoteTurn>(encoded, "turn");
        if (!requests.TryGetValue(turn.EpisodeId, out var request))
            throw new InvalidOperationException($"Episode {turn.EpisodeId} is not one this driver is running.");
        var context = new EpisodeContext(request.EpisodeId, request.Seed) { Limits = request.Limits, RewardMode = request.RewardMode };
        RemoteReply reply;
        try
        {
            var message = await agent.ActAsync(new AgentTurn(request.EnvironmentId, request.Task, turn.Conversation, turn.Tools, context) { AgentSeed = turn.AgentSeed }, CancellationToken.None).ConfigureAwait(false);
            reply = new RemoteReply { Message = message };
        }
        catch (Exception e)
        {
            // The agent's failure travels as data: the worker's episode driver gives it the meaning it has in one process.
            reply = new RemoteReply { ErrorType = e.GetType().Name, ErrorMessage = e.Message };
        }
        return WireFormat.Encode(reply with { Agent = agent.Provenance });
    }
}
