using Forge.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace Forge.Host.Checking;

// Episodes run through the host's one episode driver; what went wrong becomes a CheckFailure saying what was called.
internal sealed partial class CheckRun
{
    private EpisodeRunner? _runner;

    private EpisodeRunner Runner => _runner ??= new EpisodeRunner(options.Sandboxes, TimeProvider.System, NullLogger.Instance, "check");

    /// <summary>
    /// Runs one episode of <paramref name="instance"/> (which the caller keeps and disposes) with <paramref name="actions"/>.
    /// Every deadline is the check's timeout. Throws <see cref="CheckFailure"/> when the episode errored or hung.
    /// </summary>
    private async Task<EpisodeOutcome> RunAsync(IEnvironment instance, int seed, IEnvironmentTask task, ActionSource actions, RewardMode? mode = null, EpisodeLimits? limits = null,
        EpisodeRunner? runner = null)
    {
        if (environment.RequiresSandbox && options.Sandboxes is null)
            throw new CheckFailure($"{environment.Id} needs a sandbox ([RequiresSandbox]) and the check was given none");
        var request = new EpisodeRequest($"check-{seed}-{task.Id}", environment.Id, task, seed, "")
        {
            Limits = (limits ?? environment.Limits) with { TurnTimeout = options.Timeout, StepTimeout = options.Timeout, EpisodeTimeout = options.Timeout },
            RewardMode = mode ?? environment.RewardMode,
        };
        var outcome = await (runner ?? Runner).RunEpisodeAsync(request, () => instance, ownsEnvironment: false, actions, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var t = outcome.Trajectory;
        var where = $"seed {seed}, task '{task.Id}'";
        if (outcome.HostTruncation is "turn_timeout" or "episode_timeout" && outcome.HostTruncation != actions.Exhausted.TruncationReason)
            throw new CheckFailure($"{where}: {(outcome.HostTruncation == "turn_timeout" ? $"the agent {actions.AgentId}" : "the episode")} didn't finish within the {options.Timeout.TotalSeconds:0.###} s the check allows");
        if (t.Error is { } error)
        {
            var call = error.Boundary switch
            {
                ErrorBoundary.Agent => $"the agent {actions.AgentId}",
                ErrorBoundary.Sandbox when t.Steps.Count == 0 => "acquiring the sandbox",
                _ when outcome.HostTruncation is { } reason => $"TruncateAsync(\"{reason}\")",
                _ when error.Step is { } step && step < t.Steps.Count => $"StepAsync (step {step}, {Describe(t.Steps[step].Action)})",
                _ => "ResetAsync (or Info after it)",
            };
            throw new CheckFailure(error.Type == nameof(TimeoutException)
                ? $"{where}: {call} didn't finish within the {options.Timeout.TotalSeconds:0.###} s the check allows"
                : $"{where}: {call} threw {error.Type}: {CheckText.Printable(error.Message, 200)}");
        }
        return outcome;
    }

    /// <summary>Lets <paramref name="agent"/> play an episode to its end; fails when the environment didn't end it by max_turns.</summary>
    private async Task<EpisodeOutcome> PlayAsync(IEnvironment instance, int seed, IEnvironmentTask task, IAgent agent, RewardMode? mode = null, EpisodeLimits? limits = null)
    {
        var pipeline = new AgentPipeline(agent, new RolloutOptions { AgentRetries = 0 }, TimeProvider.System);
        var outcome = await RunAsync(instance, seed, task, new AgentActions(agent, pipeline), mode, limits).ConfigureAwait(false);
        if (outcome.HostTruncation == "max_turns")
            throw new CheckFailure($"seed {seed}, task '{task.Id}': the episode was still going after max_turns = {(limits ?? environment.Limits).MaxTurns} steps; it must end as truncated");
        return outcome;
    }

    /// <summary>Sends exactly <paramref name="actions"/> (fewer when the environment ends the episode first); <paramref name="truncateWith"/> then ends it from outside.</summary>
    private Task<EpisodeOutcome> SendAsync(IEnvironment instance, int seed, IEnvironmentTask task, IReadOnlyList<Message> actions, string? truncateWith = null, EpisodeLimits? limits = null, RewardMode? mode = null) =>
        RunAsync(instance, seed, task, new RecordedActions(actions, "forge/check", new SourceEnd(truncateWith)), mode, limits);

    /// <summary>"a message with 2 tool calls (lookup, submit)", for failure messages.</summary>
    internal static string Describe(Message action)
    {
        var role = action.Role == Role.Assistant ? "" : $"{action.Role.ToString().ToLowerInvariant()} ";
        if (action.ToolCalls.Count > 0)
            return $"a {role}message with {action.ToolCalls.Count} tool call{(action.ToolCalls.Count == 1 ? "" : "s")} ({string.Join(", ", action.ToolCalls.Take(3).Select(c => CheckText.Printable(c.Name, 30)))}{(action.ToolCalls.Count > 3 ? ", …" : "")})";
        return $"the {role}reply \"{CheckText.Printable(action.Content, 40)}\"{(action.Content.Length > 40 ? $" ({action.Content.Length} chars)" : "")}";
    }

    private static string Label(EpisodeOutcome outcome) => $"seed {outcome.Trajectory.Seed}, task '{outcome.Trajectory.TaskId}' ({outcome.Trajectory.AgentId})";
}
