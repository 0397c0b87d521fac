using Forge.Core;
using Forge.Host;
using Forge.Host.Recording;
using MessagePack;
using Orleans.Serialization;

namespace Forge.Cluster;

/// <summary>
/// How Forge's own types cross the wire between driver and workers: as the MessagePack a trajectory log holds (one
/// encoding for disk and network, versioned the same way), inside the few Orleans messages of <see cref="IEpisodeWorker"/>.
/// </summary>
internal static class WireFormat
{
    /// <summary>
    /// Lets Forge's exceptions cross the wire as themselves (type, message, stack): a worker that can't prepare a run
    /// (its registry differs, its sandbox backend is missing) then tells the driver why, instead of failing to answer.
    /// </summary>
    public static void CarryForgeExceptions(ExceptionSerializationOptions options) => options.SupportedNamespacePrefixes.Add("Forge");

    public static byte[] Encode<T>(T value) => MessagePackSerializer.Serialize(value, TrajectoryFormat.WriteOptions);

    public static T Decode<T>(byte[] bytes, string what)
    {
        try
        {
            return MessagePackSerializer.Deserialize<T>(bytes, TrajectoryFormat.ReadOptions);
        }
        catch (MessagePackSerializationException e)
        {
            throw new InvalidDataException($"A {what} from the cluster could not be decoded: {e.Message}", e);
        }
    }

    /// <summary>The work item for <paramref name="request"/>'s <paramref name="attempt"/>-th dispatch; a task without provenance was taken with <paramref name="scenarioSeed"/>.</summary>
    public static EpisodeWork Work(EpisodeRequest request, int attempt, int scenarioSeed) => new()
    {
        EpisodeId = request.EpisodeId,
        EnvironmentId = request.EnvironmentId,
        TaskId = request.Task.Id,
        TaskSeed = request.TaskProvenance?.GeneratorSeed ?? scenarioSeed,
        TaskContentHash = request.TaskProvenance?.ContentHash ?? "",
        Seed = request.Seed,
        GroupId = request.GroupId,
        AgentSeed = request.AgentSeed,
        Limits = Encode(request.Limits),
        RewardMode = request.RewardMode.ToString(),
        Attempt = attempt,
        Judge = request.Judge is { } judge ? Encode(judge.Provenance) : null,
    };
}

/// <summary>A turn a worker asks the driver to play: the episode, what the agent sees, and its seed.</summary>
[MessagePackObject(true)]
public sealed record RemoteTurn
{
    /// <summary>The episode (the driver knows its task).</summary>
    public string EpisodeId { get; init; } = "";

    /// <summary>Every message so far, prompt first.</summary>
    public IReadOnlyList<Message> Conversation { get; init; } = [];

    /// <summary>The tools on offer.</summary>
    public IReadOnlyList<ToolSpec> Tools { get; init; } = [];

    /// <summary>The seed the agent draws its own choices from.</summary>
    public int AgentSeed { get; init; }
}

/// <summary>
/// The driver's answer to a <see cref="RemoteTurn"/>: the message, or the failure of the driver's agent by kind, so the
/// worker's episode driver treats it as it would in one process (a full context truncates, a timeout is retried).
/// </summary>
[MessagePackObject(true)]
public sealed record RemoteReply
{
    /// <summary>The assistant message; null when the agent failed.</summary>
    public Message? Message { get; init; }

    /// <summary>The failure's exception type name (<c>ContextLengthExceededException</c>, <c>TimeoutException</c>, …).</summary>
    public string? ErrorType { get; init; }

    /// <summary>The failure's message.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>The driver's agent as it is now (a policy's version moves on during training).</summary>
    public AgentProvenance? Agent { get; init; }

    /// <summary>The failure as an exception of the same meaning on this side.</summary>
    public Exception Failure() => ErrorType switch
    {
        nameof(ContextLengthExceededException) => new ContextLengthExceededException(ErrorMessage ?? ""),
        nameof(TimeoutException) => new TimeoutException(ErrorMessage),
        nameof(HttpRequestException) => new HttpRequestException(ErrorMessage),
        _ => new RemoteAgentException($"{ErrorType}: {ErrorMessage}"),
    };
}

/// <summary>The driver's agent failed on a turn a worker asked for; the message names the original exception type.</summary>
public sealed class RemoteAgentException(string message) : Exception(message);
