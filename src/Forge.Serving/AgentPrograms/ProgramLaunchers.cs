using System.ClientModel;
using System.Text.Json;
using Forge.Agents.Programs;
using Forge.Core;
using Forge.Core.Programs;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel.Connectors.OpenAI;
using OpenAI;

namespace Forge.Serving.AgentPrograms;

/// <summary>Where an agent program reaches the policy for one episode.</summary>
/// <param name="EpisodeId">The episode id (its calls are recorded under it).</param>
/// <param name="BaseUrl">The episode's OpenAI base URL: <c>http://127.0.0.1:PORT/episodes/ID/v1</c>.</param>
/// <param name="Model">The model id to name.</param>
/// <param name="ApiKey">The key to send.</param>
/// <param name="Seed">The seed to pass as the requests' seed.</param>
public sealed record ProgramEndpoint(string EpisodeId, Uri BaseUrl, string Model, string ApiKey, int Seed)
{
    /// <summary>The episode's judge model (<see cref="EpisodeContext.Judge"/>), handed to an in-process program's rubric; null when the run has none.</summary>
    public Forge.Core.Rewards.JudgeEndpoint? Judge { get; init; }
}

/// <summary>What a program run returned: its final output and, for an in-process program, its own rubric (null: the environment scores the output).</summary>
/// <param name="Output">The final output.</param>
/// <param name="Rubric">The program's rubric over its own state; null for a program the environment scores.</param>
public sealed record ProgramOutput(string Output, Rubric? Rubric);

/// <summary>Starts one kind of agent program for an episode: in process (<see cref="InProcessProgram{TTask}"/>) or as a process (<see cref="ProcessProgram"/>).</summary>
public interface IProgramLauncher
{
    /// <summary>The program, for the trajectories' provenance: its name or its command.</summary>
    string Description { get; }

    /// <summary>Runs the program once on <paramref name="task"/> against <paramref name="endpoint"/>.</summary>
    Task<ProgramOutput> RunAsync(IEnvironmentTask task, ProgramEndpoint endpoint, CancellationToken cancellationToken);
}

/// <summary>An in-process program: a new instance per episode, with Microsoft.Extensions.AI and Semantic Kernel clients bound to the episode's endpoint; scored by its own rubric.</summary>
/// <param name="Name">The program's name.</param>
/// <param name="Create">Makes the episode's instance.</param>
public sealed record InProcessProgram<TTask>(string Name, Func<IAgentProgram<TTask>> Create) : IProgramLauncher where TTask : IEnvironmentTask
{
    /// <inheritdoc />
    public string Description => Name;

    /// <inheritdoc />
    public async Task<ProgramOutput> RunAsync(IEnvironmentTask task, ProgramEndpoint endpoint, CancellationToken cancellationToken)
    {
        if (task is not TTask typed)
            throw new ArgumentException($"Agent program `{Name}` takes {typeof(TTask).Name} tasks, not {task.GetType().Name}.");
        var program = Create();
        var chat = new OpenAIClient(new ApiKeyCredential(endpoint.ApiKey), new OpenAIClientOptions { Endpoint = endpoint.BaseUrl }).GetChatClient(endpoint.Model).AsIChatClient();
        var completion = new OpenAIChatCompletionService(endpoint.Model, endpoint.BaseUrl, endpoint.ApiKey);
        var context = new AgentProgramContext(endpoint.EpisodeId, endpoint.BaseUrl, endpoint.Model, endpoint.ApiKey, chat, completion, endpoint.Seed) { Judge = endpoint.Judge };
        var output = await program.RunAsync(typed, context, cancellationToken);
        return new ProgramOutput(output, program.Rubric);
    }
}

/// <summary>
/// A program started as a process per episode (the task as JSON on its stdin), inside a sandbox from
/// <paramref name="Sandboxes"/> when the scenario has one, else as a plain child process; scored by the environment.
/// </summary>
/// <param name="Program">The command, deadline and output cap.</param>
/// <param name="Sandboxes">Where its sandboxes come from; null runs it unsandboxed.</param>
public sealed record ProcessProgram(ProcessAgentProgram Program, ISandboxProvider? Sandboxes) : IProgramLauncher
{
    /// <inheritdoc />
    public string Description => string.Join(' ', Program.Command) + (Sandboxes is null ? "" : $" (in the {Sandboxes.Backend} sandbox)");

    /// <inheritdoc />
    public async Task<ProgramOutput> RunAsync(IEnvironmentTask task, ProgramEndpoint endpoint, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.Serialize(task, task.GetType(), TaskFile.JsonOptions);
        if (Sandboxes is null) return new ProgramOutput(await Program.RunAsync(json, endpoint.BaseUrl, endpoint.Model, endpoint.ApiKey, cancellationToken), null);
        await using var sandbox = await Sandboxes.AcquireAsync(cancellationToken);
        return new ProgramOutput(await Program.RunInSandboxAsync(sandbox, json, endpoint.BaseUrl, endpoint.Model, endpoint.ApiKey, cancellationToken), null);
    }
}
