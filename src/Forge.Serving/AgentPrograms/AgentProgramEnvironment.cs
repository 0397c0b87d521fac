using Forge.Core;

namespace Forge.Serving.AgentPrograms;

/// <summary>
/// The environment of an agent-program episode: the registered environment, reset with the task as usual, whose one step
/// is the program's final output. An in-process program with its own rubric is scored by it (over the recorded calls and
/// the output); any other program is scored by the environment itself — its step on the output, and when that does not
/// end the episode (the environment would go on), its truncation with the reason <see cref="ProgramFinished"/>, which
/// scores what was done. Either way the episode ends at this step.
/// </summary>
internal class AgentProgramEnvironment(IEnvironment inner, AgentProgramAgent agent) : IEnvironment
{
    /// <summary>The truncation reason of an episode the environment would have gone on with after the program ended.</summary>
    public const string ProgramFinished = "program_finished";

    private EpisodeContext? _context;
    private IEnvironmentTask? _task;

    /// <summary>Wraps <paramref name="inner"/>; the wrapper needs a sandbox exactly when the environment does.</summary>
    public static IEnvironment Wrap(IEnvironment inner, AgentProgramAgent agent) =>
        inner.GetType().IsDefined(typeof(RequiresSandboxAttribute), inherit: true) ? new Sandboxed(inner, agent) : new AgentProgramEnvironment(inner, agent);

    /// <summary>The environment inside.</summary>
    public IEnvironment Inner => inner;

    public EnvironmentInfo Info => inner.Info;

    public ValueTask<ResetResult> ResetAsync(EpisodeContext context, IEnvironmentTask task)
    {
        _context = context;
        _task = task;
        return inner.ResetAsync(context, task);
    }

    public async ValueTask<StepResult> StepAsync(Message action, CancellationToken cancellationToken)
    {
        var context = _context ?? throw new InvalidOperationException("StepAsync before ResetAsync.");
        if (agent.Find(context.EpisodeId) is { Rubric: { } own } run)
        {
            RewardBreakdown breakdown;
            try
            {
                breakdown = await own.Score(new RewardContext(_task!, ProgramConversation.Final(run.Calls, action.Content)), context.RewardMode);
            }
            catch (Exception e) when (e is not OperationCanceledException and not RewardException)
            {
                throw new RewardException($"{inner.Info.Id}: the agent program's rubric failed: {e.GetType().Name}: {e.Message}");
            }
            return new StepResult([], breakdown.Total, Terminated: true, Truncated: false) { Breakdown = breakdown };
        }
        var step = await inner.StepAsync(action, cancellationToken);
        if (step.Done) return step;
        var end = await inner.TruncateAsync(ProgramFinished, cancellationToken);
        return end with { Observation = [.. step.Observation, .. end.Observation], Reward = step.Reward + end.Reward, Truncated = true, TruncationReason = ProgramFinished };
    }

    public ValueTask<StepResult> TruncateAsync(string reason, CancellationToken cancellationToken) => inner.TruncateAsync(reason, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    /// <summary>The wrapper of an environment that needs a sandbox: the driver acquires one for it as for the environment alone.</summary>
    [RequiresSandbox]
    private sealed class Sandboxed(IEnvironment inner, AgentProgramAgent agent) : AgentProgramEnvironment(inner, agent);
}
