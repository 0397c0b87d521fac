using System.Collections.Concurrent;
using Forge.Agents.Programs;
using Forge.Core;
using Forge.Serving.Episodes;
using Forge.Serving.Hosting;

namespace Forge.Serving.AgentPrograms;

/// <summary>
/// An agent program as the episode driver's agent: its one turn is the whole program run — the episode's path is opened
/// on the server, the program runs against it (its own loop, its own tools) and its final output is the action; the
/// calls it made stay here for <see cref="AgentProgramEnvironment"/> (scoring) and the episode's recording. A failed
/// program is an agent error named by its type (<c>program_failed</c>, <c>deadline_exceeded</c>, <c>output_too_large</c>…).
/// </summary>
public sealed class AgentProgramAgent(ServeHost host, IProgramLauncher launcher) : IAgent
{
    private readonly ConcurrentDictionary<string, ProgramRun> _runs = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public string Id => "agent-program";

    /// <inheritdoc />
    public AgentProvenance Provenance => new() { Type = Id, Model = host.ModelName, EndpointHost = host.Address.Authority, Details = launcher.Description };

    /// <inheritdoc />
    public async ValueTask<Message> ActAsync(AgentTurn turn, CancellationToken cancellationToken)
    {
        var episodeId = turn.Context.EpisodeId;
        var path = PathKey(episodeId);
        var run = new ProgramRun(host.Episodes.Open(path));
        _runs[episodeId] = run;   // kept even when the program fails: its calls are recorded
        try
        {
            var result = await launcher.RunAsync(turn.Task, new ProgramEndpoint(episodeId, host.EpisodeBaseUrl(path), host.ModelName, host.ApiKey ?? "forge", turn.AgentSeed) { Judge = turn.Context.Judge }, cancellationToken);
            run.Output = result.Output;
            run.Rubric = result.Rubric;
            return Message.Assistant(result.Output);
        }
        catch (AgentProgramException e)
        {
            throw new AgentReplyException(e.Type, e.Message, e);
        }
        finally
        {
            host.Episodes.Close(path);
        }
    }

    /// <summary>The run of episode <paramref name="episodeId"/>, while it is kept; null before the program started.</summary>
    public ProgramRun? Find(string episodeId) => _runs.GetValueOrDefault(episodeId);

    /// <summary>Removes and returns the run of episode <paramref name="episodeId"/> (once its trajectory is recorded).</summary>
    public ProgramRun? Take(string episodeId) => _runs.TryRemove(episodeId, out var run) ? run : null;

    // Episode ids may hold '/' and ':' (support/desk:order-status:0:0); the path segment keeps the safe characters and a hash of the id.
    private static string PathKey(string episodeId)
    {
        if (episodeId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) return episodeId;
        var safe = new string([.. episodeId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_')]);
        return $"{safe}-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(episodeId)))[..8]}";
    }
}

/// <summary>One episode's program run: the calls served for it, its output and its own rubric (in-process programs).</summary>
public sealed class ProgramRun
{
    private readonly EpisodeLog _log;

    internal ProgramRun(EpisodeLog log) => _log = log;

    /// <summary>The completions served for the episode, in order.</summary>
    public IReadOnlyList<ServedCall> Calls => _log.Calls;

    /// <summary>The program's final output; null when it failed.</summary>
    public string? Output { get; internal set; }

    /// <summary>The program's own rubric; null when the environment scores the output.</summary>
    public Rubric? Rubric { get; internal set; }
}
