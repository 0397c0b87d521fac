namespace Forge.Core;

/// <summary>
/// An agent: given the conversation so far and the tools on offer, it writes the next assistant message.
/// One agent serves many episodes at once, so it keeps no per-episode state outside what <see cref="AgentTurn"/> gives it.
/// A local policy fills in the message's token ids, log-probs and policy version.
/// </summary>
public interface IAgent
{
    /// <summary>Identifies the agent in trajectories (<c>scripted/math</c>, <c>sk/gpt-4o-mini</c>, <c>policy</c>).</summary>
    string Id { get; }

    /// <summary>Writes the next assistant message.</summary>
    ValueTask<Message> ActAsync(AgentTurn turn, CancellationToken cancellationToken);

    /// <summary>What the agent is, for the trajectory's provenance: type, model, endpoint host, checkpoint hash; never a key. By default, its id.</summary>
    AgentProvenance Provenance => new() { Type = Id };
}

/// <summary>What an agent sees when it acts.</summary>
/// <param name="EnvironmentId">The environment's id.</param>
/// <param name="Task">The task. Scripted solvers read it to act; learning agents must not.</param>
/// <param name="Conversation">Every message so far, prompt first.</param>
/// <param name="Tools">The tools on offer.</param>
/// <param name="Context">The episode's context (seed, random, limits).</param>
public sealed record AgentTurn(string EnvironmentId, IEnvironmentTask Task, IReadOnlyList<Message> Conversation, IReadOnlyList<ToolSpec> Tools, EpisodeContext Context)
{
    /// <summary>How many assistant messages the conversation already has.</summary>
    public int TurnIndex => Conversation.Count(m => m.Role == Role.Assistant);

    /// <summary>
    /// The seed an agent draws its own choices from (sampling, a noisy agent's mistakes). The episode's seed by default;
    /// branches forked from one state share the episode's seed (the environment must replay identically) but each gets its own agent seed.
    /// </summary>
    public int AgentSeed
    {
        get => _agentSeed ?? Context.Seed;
        init => _agentSeed = value;
    }

    private readonly int? _agentSeed;
}

/// <summary>
/// Thrown by an agent whose context can no longer hold the conversation (a local policy's <c>max_seq_len</c>). It is a
/// limit, not a fault: the host ends the episode as truncated with the reason <see cref="Reason"/> and scores it, so the
/// trajectory is kept and can be trained on like any other truncated one.
/// </summary>
public sealed class ContextLengthExceededException(string message) : Exception(message)
{
    /// <summary>The truncation reason recorded in the trajectory.</summary>
    public const string Reason = "context_length";
}

/// <summary>
/// Thrown by an agent whose model endpoint answered with something it can't use: the episode is recorded as errored at
/// the agent boundary with <see cref="Code"/> as the error type (<c>empty_reply</c>, <c>malformed_reply</c>, …).
/// </summary>
public sealed class AgentReplyException(string code, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>What went wrong, as recorded in the trajectory's error type.</summary>
    public string Code { get; } = code;
}
