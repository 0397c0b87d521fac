using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel.ChatCompletion;

namespace Forge.Core.Programs;

/// <summary>
/// An agent whose own code runs the loop: it gets the task and a chat client bound to the policy, calls it as it likes
/// (its own prompts, plugins, tool loop), and returns its final output. Forge serves the policy, records every call with
/// its exact token ids, and scores the episode with <see cref="Rubric"/> over the output and the recorded calls. One
/// instance runs one episode, so it may keep the episode's state for its rubric.
/// </summary>
/// <typeparam name="TTask">The task type.</typeparam>
public interface IAgentProgram<in TTask> where TTask : IEnvironmentTask
{
    /// <summary>Runs the episode; the returned text is the program's final output.</summary>
    Task<string> RunAsync(TTask task, AgentProgramContext context, CancellationToken cancellationToken);

    /// <summary>Scores the episode (read after <see cref="RunAsync"/>): its conversation is the recorded calls' messages, then the output as the last assistant message.</summary>
    Rubric Rubric { get; }
}

/// <summary>What an agent program gets to reach the policy: Microsoft.Extensions.AI and Semantic Kernel clients bound to its episode's endpoint.</summary>
/// <param name="EpisodeId">The episode id (its calls are recorded under it).</param>
/// <param name="BaseUrl">The OpenAI base URL of the episode: <c>http://127.0.0.1:PORT/episodes/ID/v1</c>.</param>
/// <param name="Model">The model id to name.</param>
/// <param name="ApiKey">The key to send (any string when the server has none).</param>
/// <param name="ChatClient">A Microsoft.Extensions.AI chat client on <paramref name="BaseUrl"/>.</param>
/// <param name="ChatCompletion">A Semantic Kernel chat completion service on <paramref name="BaseUrl"/>.</param>
/// <param name="Seed">The episode's seed (pass it as the requests' seed for repeatable episodes).</param>
public sealed record AgentProgramContext(
    string EpisodeId, Uri BaseUrl, string Model, string ApiKey, IChatClient ChatClient, IChatCompletionService ChatCompletion, int Seed)
{
    /// <summary>
    /// The judge model the run configured (a scenario's <c>"judge"</c> section), for LLM-judged functions of the program's
    /// <see cref="IAgentProgram{TTask}.Rubric"/>, as environments get it; null when the run configured none.
    /// </summary>
    public Rewards.JudgeEndpoint? Judge { get; init; }
}
