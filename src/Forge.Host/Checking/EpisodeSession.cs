using Forge.Core;

namespace Forge.Host.Checking;

/// <summary>
/// One episode driven by the checker: reset, steps and agent turns, each guarded so that an exception or a hang of
/// the environment becomes a <see cref="CheckFailure"/> saying what was called, and everything recorded.
/// The session doesn't own the environment; it owns the episode's sandbox and deadline.
/// </summary>
internal sealed class EpisodeSession : IAsyncDisposable
{
    private readonly CancellationTokenSource _deadline;
    private readonly CancellationToken _outer;
    private readonly TimeSpan _timeout;
    private readonly ISandbox? _sandbox;
    private readonly List<Message> _conversation = [];
    private readonly List<StepRecord> _steps = [];
    private ResetResult? _reset;
    private EnvironmentInfo? _info;

    private EpisodeSession(IEnvironment environment, IEnvironmentTask task, EpisodeContext context, ISandbox? sandbox, CancellationTokenSource deadline, TimeSpan timeout, CancellationToken outer)
    {
        Environment = environment;
        Task = task;
        Context = context;
        _sandbox = sandbox;
        _deadline = deadline;
        _timeout = timeout;
        _outer = outer;
    }

    public IEnvironment Environment { get; }

    public IEnvironmentTask Task { get; }

    public EpisodeContext Context { get; }

    public ResetResult Reset => _reset!;

    public EnvironmentInfo Info => _info!;

    public IReadOnlyList<StepRecord> Steps => _steps;

    public bool Done => _steps.Count > 0 && _steps[^1].Result.Done;

    /// <summary>Resets <paramref name="environment"/> on <paramref name="task"/> with a fresh context (and sandbox, when needed).</summary>
    public static async Task<EpisodeSession> StartAsync(IEnvironment environment, IEnvironmentTask task, int seed, EpisodeLimits limits, RewardMode mode,
        CheckOptions options, bool requiresSandbox, CancellationToken cancellationToken)
    {
        var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Timeout);
        ISandbox? sandbox = null;
        try
        {
            if (requiresSandbox)
                sandbox = await options.Sandboxes!.AcquireAsync(deadline.Token).AsTask().WaitAsync(deadline.Token).ConfigureAwait(false);
            var context = new EpisodeContext($"check-{seed}-{task.Id}", seed)
            {
                Limits = limits,
                RewardMode = mode,
                Cancellation = deadline.Token,
                Sandbox = sandbox,
            };
            var session = new EpisodeSession(environment, task, context, sandbox, deadline, options.Timeout, cancellationToken);
            session._reset = await session.GuardAsync("ResetAsync", () => environment.ResetAsync(context, task).AsTask()).ConfigureAwait(false);
            session._info = await session.GuardAsync("Info (after reset)", () => System.Threading.Tasks.Task.FromResult(environment.Info)).ConfigureAwait(false);
            session._conversation.AddRange(session._reset.Observation ?? []);
            return session;
        }
        catch
        {
            if (sandbox is not null) await sandbox.DisposeAsync().ConfigureAwait(false);
            deadline.Dispose();
            throw;
        }
    }

    /// <summary>Sends one action and records what came back.</summary>
    public async Task<StepResult> StepAsync(Message action)
    {
        var index = _steps.Count;
        var result = await GuardAsync($"StepAsync (step {index}, {Describe(action)})", () => Environment.StepAsync(action, Context.Cancellation).AsTask()).ConfigureAwait(false);
        if (result is null) throw new CheckFailure($"StepAsync (step {index}, {Describe(action)}) returned null");
        _steps.Add(new StepRecord(action, result));
        _conversation.Add(action);
        _conversation.AddRange(result.Observation ?? []);
        return result;
    }

    /// <summary>Ends the episode from outside, as the host does when a deadline passes.</summary>
    public async Task<StepResult> TruncateAsync(string reason)
    {
        var result = await GuardAsync($"TruncateAsync(\"{reason}\")", () => Environment.TruncateAsync(reason, Context.Cancellation).AsTask()).ConfigureAwait(false);
        _steps.Add(new StepRecord(Message.Assistant($"(truncated: {reason})"), result));
        return result;
    }

    /// <summary>Lets <paramref name="agent"/> act and steps with its message until the episode ends; fails when it outlasts max_turns.</summary>
    public async Task<EpisodeRecord> RunToEndAsync(IAgent agent, string environmentId)
    {
        while (!Done)
        {
            if (_steps.Count >= Context.Limits.MaxTurns)
                throw new CheckFailure($"seed {Context.Seed}, task '{Task.Id}': the episode was still going after max_turns = {Context.Limits.MaxTurns} steps; it must end as truncated");
            var turn = new AgentTurn(environmentId, Task, _conversation.ToList(), Reset.Tools, Context);
            var action = await GuardAsync($"the agent {agent.Id}", () => agent.ActAsync(turn, Context.Cancellation).AsTask()).ConfigureAwait(false);
            await StepAsync(action).ConfigureAwait(false);
        }
        return Record(agent.Id);
    }

    public EpisodeRecord Record(string agent) => new(Task, Context.Seed, agent, Reset, Info, _steps.ToList());

    public async ValueTask DisposeAsync()
    {
        if (_sandbox is not null) await _sandbox.DisposeAsync().ConfigureAwait(false);
        _deadline.Dispose();
    }

    private async Task<T> GuardAsync<T>(string what, Func<Task<T>> call)
    {
        try
        {
            return await call().WaitAsync(_deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_deadline.IsCancellationRequested && !_outer.IsCancellationRequested)
        {
            throw new CheckFailure($"seed {Context.Seed}, task '{Task.Id}': {what} didn't finish within the {_timeout.TotalSeconds:0.###} s the check allows");
        }
        catch (Exception e) when (e is not OperationCanceledException and not CheckFailure)
        {
            throw new CheckFailure($"seed {Context.Seed}, task '{Task.Id}': {what} threw {e.GetType().Name}: {CheckText.Printable(e.Message, 200)}");
        }
    }

    /// <summary>"a message with 2 tool calls (lookup, submit)", for failure messages.</summary>
    public static string Describe(Message action)
    {
        var role = action.Role == Role.Assistant ? "" : $"{action.Role.ToString().ToLowerInvariant()} ";
        if (action.ToolCalls.Count > 0)
            return $"a {role}message with {action.ToolCalls.Count} tool call{(action.ToolCalls.Count == 1 ? "" : "s")} ({string.Join(", ", action.ToolCalls.Take(3).Select(c => CheckText.Printable(c.Name, 30)))}{(action.ToolCalls.Count > 3 ? ", …" : "")})";
        return $"the {role}reply \"{CheckText.Printable(action.Content, 40)}\"{(action.Content.Length > 40 ? $" ({action.Content.Length} chars)" : "")}";
    }
}
