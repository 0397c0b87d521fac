using Forge.Core.Programs;
using System.ClientModel;
using System.Diagnostics;
using System.Text.Json;
using Forge.Agents.Programs;
using Forge.Core;
using Forge.Serving.Episodes;
using Forge.Serving.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel.Connectors.OpenAI;
using OpenAI;

namespace Forge.Serving.AgentPrograms;

/// <summary>
/// Runs agent-program episodes against a running server: opens the episode's path, runs the program (in process with
/// clients bound to that path, or as a process with <c>OPENAI_BASE_URL</c> pointing at it), closes the episode, stitches
/// its calls, scores it and records it as trajectories. A failing program is data: the episode is recorded as errored at
/// the agent boundary with reward 0.
/// </summary>
public sealed class AgentProgramRunner(ServeHost host, string environmentId, RewardMode rewardMode = RewardMode.Graded)
{
    /// <summary>Runs an in-process program on <paramref name="task"/>.</summary>
    public Task<AgentProgramEpisode> RunAsync<TTask>(IAgentProgram<TTask> program, TTask task, string episodeId, int seed, CancellationToken cancellationToken)
        where TTask : IEnvironmentTask
    {
        ArgumentNullException.ThrowIfNull(program);
        return RunAsync(task, episodeId, seed, async url =>
        {
            var key = host.ApiKey ?? "forge";
            var chat = new OpenAIClient(new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = url }).GetChatClient(host.ModelName).AsIChatClient();
            var completion = new OpenAIChatCompletionService(host.ModelName, url, key);
            var context = new AgentProgramContext(episodeId, url, host.ModelName, key, chat, completion, seed);
            return await program.RunAsync(task, context, cancellationToken);
        }, () => program.Rubric);
    }

    /// <summary>Runs an out-of-process program on <paramref name="task"/> (the task goes to its stdin as JSON), scored by <paramref name="rubric"/>.</summary>
    public Task<AgentProgramEpisode> RunAsync(ProcessAgentProgram program, IEnvironmentTask task, Rubric rubric, string episodeId, int seed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(program);
        var json = JsonSerializer.Serialize(task, task.GetType(), TaskFile.JsonOptions);
        return RunAsync(task, episodeId, seed, url => program.RunAsync(json, url, host.ModelName, host.ApiKey ?? "forge", cancellationToken), () => rubric);
    }

    private async Task<AgentProgramEpisode> RunAsync(IEnvironmentTask task, string episodeId, int seed, Func<Uri, Task<string>> run, Func<Rubric> rubric)
    {
        var path = PathKey(episodeId);
        var log = host.Episodes.Open(path);
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        string? output = null;
        EpisodeError? error = null;
        try
        {
            output = await run(host.EpisodeBaseUrl(path));
        }
        catch (AgentProgramException e)
        {
            error = new EpisodeError(ErrorBoundary.Agent, e.Type, e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            error = new EpisodeError(ErrorBoundary.Agent, e.GetType().Name, e.Message);
        }
        finally
        {
            host.Episodes.Close(path);
        }
        var calls = log.Calls;
        var sequences = TokenStitcher.Stitch(calls);
        RewardBreakdown? breakdown = null;
        if (error is null)
        {
            try
            {
                var conversation = Conversation(calls, calls.Count - 1).Append(Message.Assistant(output!)).ToList();
                breakdown = await rubric().Score(new RewardContext(task, conversation), rewardMode);
            }
            catch (Exception e)
            {
                error = new EpisodeError(ErrorBoundary.Reward, e.GetType().Name, e.Message);
            }
        }
        var reward = breakdown?.Total ?? 0;
        var trajectories = Trajectories(task, episodeId, seed, calls, sequences, output, reward, breakdown, error, started, clock.Elapsed.TotalMilliseconds);
        return new AgentProgramEpisode(episodeId, output, calls, sequences, reward, breakdown, error, trajectories);
    }

    // Episode ids may hold '/' and ':' (support/desk:order-status:0:0); the path segment keeps the safe characters and a hash of the id.
    private static string PathKey(string episodeId)
    {
        if (episodeId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) return episodeId;
        var safe = new string([.. episodeId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_')]);
        return $"{safe}-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(episodeId)))[..8]}";
    }

    // The conversation of call `index`: what was sent, then its first choice's reply with the exact ids.
    private static IEnumerable<Message> Conversation(IReadOnlyList<ServedCall> calls, int index)
    {
        if (index < 0) return [];
        var call = calls[index];
        var choice = call.Choices[0];
        return call.Messages.Append(choice.Message with
        {
            TokenIds = [.. call.PrefixIds, .. choice.CompletionIds],
            LogProbs = [.. call.PrefixIds.Select(_ => 0f), .. choice.LogProbs],
            PolicyVersion = (int)call.PolicyVersion,
        });
    }

    private List<Trajectory> Trajectories(IEnvironmentTask task, string episodeId, int seed, IReadOnlyList<ServedCall> calls, IReadOnlyList<StitchedSequence> sequences,
        string? output, double reward, RewardBreakdown? breakdown, EpisodeError? error, DateTimeOffset started, double durationMs)
    {
        var result = new List<Trajectory>();
        for (var k = 0; k < Math.Max(1, sequences.Count); k++)
        {
            var messages = sequences.Count == 0 ? [] : Conversation(calls, sequences[k].Calls[^1]).ToList();
            var first = messages.FindIndex(m => m.Role == Role.Assistant);
            var prompt = first < 0 ? messages : messages[..first];
            var steps = new List<Step>();
            for (var i = Math.Max(first, 0); first >= 0 && i < messages.Count; i++)
            {
                if (messages[i].Role != Role.Assistant) continue;
                var observation = messages.Skip(i + 1).TakeWhile(m => m.Role != Role.Assistant).ToList();
                steps.Add(new Step { Index = steps.Count, Action = messages[i], Observation = observation });
            }
            var info = new Dictionary<string, string>
            {
                ["agent_program.sequence"] = $"{k + 1}/{Math.Max(1, sequences.Count)}",
                ["agent_program.stitched"] = sequences.Count > 0 && sequences[k].Stitched ? "true" : "false",
                ["agent_program.calls"] = sequences.Count == 0 ? "" : string.Join(',', sequences[k].Calls),
            };
            if (output is not null) info["agent_program.output"] = output;
            if (steps.Count > 0) steps[^1] = steps[^1] with { Info = info, Reward = reward };
            result.Add(new Trajectory
            {
                EpisodeId = k == 0 ? episodeId : $"{episodeId}#{k}", EnvironmentId = environmentId, TaskId = task.Id, Seed = seed,
                AgentId = "agent-program", PolicyVersion = calls.Count > 0 ? (int)calls[^1].PolicyVersion : null,
                Prompt = prompt, Tools = sequences.Count == 0 ? [] : calls[sequences[k].Calls[^1]].Tools, Steps = steps,
                TotalReward = reward, RewardMode = rewardMode, Breakdown = breakdown,
                Termination = error is null ? Termination.Terminated : Termination.Errored, Error = error,
                StartedAt = started, DurationMs = durationMs, AssistantTokens = calls.Sum(c => c.Choices[0].CompletionIds.Count), TokenCount = TokenCountSource.Policy,
            });
        }
        return result;
    }
}
