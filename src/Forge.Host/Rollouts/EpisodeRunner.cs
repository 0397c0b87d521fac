using Forge.Core;
using Forge.Host.Fingerprints;
using Microsoft.Extensions.Logging;
using Polly.Timeout;

namespace Forge.Host;

/// <summary>
/// The one episode driver: every path that plays an episode (rollouts, the checker, rerun, fork) runs through it, with its
/// actions from an <see cref="ActionSource"/>. It runs one episode from reset to its end and always returns its trajectory: a fault in the environment, the agent,
/// a reward function or the sandbox ends the episode as <see cref="Termination.Errored"/> with the boundary recorded;
/// a hang is cut off by its deadline; cancellation of the run ends it as <see cref="Termination.Cancelled"/>.
/// </summary>
/// <remarks>
/// Deadlines: the episode deadline truncates the episode (<c>episode_timeout</c>); an agent that overruns its turn
/// truncates it too (<c>turn_timeout</c>), since a slow policy is a property of the rollout, not a fault, and so does an
/// agent whose context is full (<see cref="ContextLengthExceededException"/>, <c>context_length</c>); an environment
/// that overruns a step is a fault of the environment and errors the episode.
/// </remarks>
internal sealed class EpisodeRunner(ISandboxProvider? sandboxes, TimeProvider time, ILogger logger, string runId)
{
    /// <summary>How long disposing an environment or a sandbox may take before the worker moves on (the disposal goes on in the background).</summary>
    private static readonly TimeSpan DisposeTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Runs <paramref name="request"/> on a fresh environment from <paramref name="createEnvironment"/> (disposed here) with <paramref name="actions"/>.</summary>
    public async Task<Trajectory> RunAsync(EpisodeRequest request, Func<string, IEnvironment> createEnvironment, ActionSource actions, CancellationToken runCancellation) =>
        (await RunEpisodeAsync(request, () => createEnvironment(request.EnvironmentId), ownsEnvironment: true, actions, runCancellation).ConfigureAwait(false)).Trajectory;

    /// <summary>
    /// Runs one episode: acquires a sandbox when the environment needs one, resets, then asks <paramref name="actions"/> for each
    /// action and steps until the environment ends the episode, a limit ends it, or the source runs out. The environment is
    /// disposed afterwards when <paramref name="ownsEnvironment"/> (otherwise the caller reuses it); the sandbox always is.
    /// </summary>
    public async Task<EpisodeOutcome> RunEpisodeAsync(EpisodeRequest request, Func<IEnvironment> createEnvironment, bool ownsEnvironment, ActionSource actions, CancellationToken runCancellation)
    {
        var record = new TrajectoryBuilder(request, runId, actions.AgentId, time)
        {
            Provenance = new Provenance
            {
                ForgeVersion = ForgeBuild.Version,
                ForgeCommit = ForgeBuild.Commit,
                Task = request.TaskProvenance,
                Limits = request.Limits,
                Agent = actions.Provenance,
                Judge = request.Judge?.Provenance,
            },
        };
        var limits = request.Limits;
        using var episodeDeadline = Deadlines.Start(limits.EpisodeTimeout, time, runCancellation);
        var episodeToken = episodeDeadline.Token;
        using var episode = new EpisodeState(episodeToken);
        try
        {
            episode.Boundary = ErrorBoundary.Environment;
            var environment = createEnvironment();
            episode.Environment = environment;
            var code = EnvironmentCode.Of(environment.GetType());
            record.Provenance = record.Provenance with { EnvironmentAssembly = code.Assembly, EnvironmentAssemblyHash = code.AssemblyHash };
            if (code.RequiresSandbox)
            {
                episode.Boundary = ErrorBoundary.Sandbox;
                if (sandboxes is null)
                    throw new SandboxException($"{request.EnvironmentId} needs a sandbox, but none is configured; add a \"sandbox\" section to the scenario.");
                episode.Sandbox = await sandboxes.AcquireAsync(episodeToken).ConfigureAwait(false);
                record.Provenance = record.Provenance with { Sandbox = sandboxes.Provenance };
            }

            var context = new EpisodeContext(request.EpisodeId, request.Seed)
            {
                Time = time,
                Cancellation = episodeToken,
                Limits = limits,
                Logger = logger,
                RewardMode = request.RewardMode,
                Sandbox = episode.Sandbox,
                Judge = request.Judge,
            };
            episode.Boundary = ErrorBoundary.Environment;
            var clock = time.GetTimestamp();
            var calls = episode.Calls();
            var reset = await BoundAsync(episode, environment.ResetAsync(context, request.Task), calls, clock, limits.StepTimeout, episodeToken).ConfigureAwait(false);
            if (reset is null) throw new InvalidOperationException("ResetAsync returned null.");
            record.Start(reset);
            var info = environment.Info;
            record.Info = info;
            record.Provenance = record.Provenance with { EnvironmentVersion = info.Version };

            // One clock reading per step: the agent's turn ends where the environment's step starts, and the step ends where the next turn starts.
            clock = time.GetTimestamp();
            while (true)
            {
                if (record.StepCount >= limits.MaxTurns)
                    return await TruncateAsync(episode, record, "max_turns", limits, runCancellation).ConfigureAwait(false);

                episode.Boundary = ErrorBoundary.Agent;
                var turn = new AgentTurn(request.EnvironmentId, request.Task, record.Conversation, record.Tools, context);
                if (request.AgentSeed is { } agentSeed) turn = turn with { AgentSeed = agentSeed };
                Message? action;
                try
                {
                    action = await actions.NextAsync(turn, limits.TurnTimeout, episode.Calls().Token).ConfigureAwait(false);
                }
                catch (TimeoutRejectedException)
                {
                    return await TruncateAsync(episode, record, "turn_timeout", limits, runCancellation).ConfigureAwait(false);
                }
                catch (ContextLengthExceededException)
                {
                    return await TruncateAsync(episode, record, ContextLengthExceededException.Reason, limits, runCancellation).ConfigureAwait(false);
                }
                if (action is null)
                {
                    if (actions.Exhausted.TruncationReason is { } reason)
                        return await TruncateAsync(episode, record, reason, limits, runCancellation).ConfigureAwait(false);
                    return record.Finish(Termination.Cancelled);
                }
                var stepStarted = time.GetTimestamp();
                var agentMs = Milliseconds(clock, stepStarted);

                episode.Boundary = ErrorBoundary.Environment;
                StepResult result;
                try
                {
                    calls = episode.Calls();
                    result = await BoundAsync(episode, environment.StepAsync(action, calls.Token), calls, stepStarted, limits.StepTimeout, episodeToken).ConfigureAwait(false)
                        ?? throw new InvalidOperationException("StepAsync returned null.");
                }
                catch
                {
                    record.AddUnansweredAction(action, agentMs);
                    throw;
                }
                if (!double.IsFinite(result.Reward))
                {
                    record.AddUnansweredAction(action, agentMs);
                    throw new RewardException($"{request.EnvironmentId}: a step returned the reward {result.Reward}, not a finite number.");
                }
                clock = time.GetTimestamp();
                record.AddStep(action, result, agentMs, Milliseconds(stepStarted, clock));
                if (result.Done)
                    return record.Finish(result.Truncated ? Termination.Truncated : Termination.Terminated, result.Truncated ? result.TruncationReason ?? "truncated" : null);
            }
        }
        catch (OperationCanceledException) when (runCancellation.IsCancellationRequested)
        {
            return record.Finish(Termination.Cancelled);
        }
        catch (OperationCanceledException) when (episodeToken.IsCancellationRequested)
        {
            return await TruncateAsync(episode, record, "episode_timeout", limits, runCancellation).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            return Errored(record, episode.Boundary, e);
        }
        finally
        {
            await DisposeAsync(episode, request, ownsEnvironment).ConfigureAwait(false);
        }
    }

    /// <summary>Ends an episode from outside and scores what was done; when the environment is still stuck in a call, it can't be asked, and the episode ends unscored.</summary>
    private async Task<EpisodeOutcome> TruncateAsync(EpisodeState episode, TrajectoryBuilder record, string reason, EpisodeLimits limits, CancellationToken runCancellation)
    {
        var environment = episode.Environment;
        record.HostTruncation = reason;
        if (environment is null || episode.EnvironmentBusy) return record.Finish(Termination.Truncated, reason);
        try
        {
            using var calls = CancellationTokenSource.CreateLinkedTokenSource(runCancellation);
            var result = await BoundAsync(episode, environment.TruncateAsync(reason, calls.Token), calls, time.GetTimestamp(), limits.StepTimeout, runCancellation).ConfigureAwait(false);
            if (!double.IsFinite(result.Reward))
                throw new RewardException($"{record.EnvironmentId}: truncation returned the reward {result.Reward}, not a finite number.");
            record.AddTruncation(result);
            return record.Finish(Termination.Truncated, reason);
        }
        catch (OperationCanceledException) when (runCancellation.IsCancellationRequested)
        {
            return record.Finish(Termination.Cancelled);
        }
        catch (Exception e)
        {
            return Errored(record, ErrorBoundary.Environment, e);
        }
    }

    /// <summary>
    /// The result of a call into the environment that was given <paramref name="calls"/>' token. A call that finished at
    /// once is returned as it is (a synchronous step can't be abandoned; no timer is armed). A pending one is awaited until
    /// <paramref name="timeout"/>, counted from <paramref name="started"/>, passes: then the token is cancelled and an
    /// environment that ignores it is abandoned and marked busy.
    /// </summary>
    private ValueTask<T> BoundAsync<T>(EpisodeState episode, ValueTask<T> operation, CancellationTokenSource calls, long started, TimeSpan timeout, CancellationToken outer) =>
        operation.IsCompleted ? operation : new ValueTask<T>(WaitAsync(episode, operation.AsTask(), calls, started, timeout, outer));

    private async Task<T> WaitAsync<T>(EpisodeState episode, Task<T> task, CancellationTokenSource calls, long started, TimeSpan timeout, CancellationToken outer)
    {
        var left = timeout - time.GetElapsedTime(started);
        var timer = time.CreateTimer(static s => Deadlines.TryCancel((CancellationTokenSource)s!), calls, left > TimeSpan.Zero ? left : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        try
        {
            return await task.WaitAsync(calls.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (calls.IsCancellationRequested)
        {
            if (!task.IsCompleted)
            {
                episode.EnvironmentBusy = true;
                Deadlines.Observe(task);
            }
            if (outer.IsCancellationRequested) throw;
            throw new TimeoutException($"the environment's step exceeded {timeout.TotalSeconds:0.###} s.");
        }
        finally
        {
            timer.Dispose();
            // A timer that fires just as the call ends may still cancel this source: the next call gets a new one.
            episode.Retire(calls);
        }
    }

    private double Milliseconds(long from, long to) => time.GetElapsedTime(from, to).TotalMilliseconds;

    private EpisodeOutcome Errored(TrajectoryBuilder record, ErrorBoundary boundary, Exception e)
    {
        boundary = e switch
        {
            RewardException => ErrorBoundary.Reward,
            SandboxException => ErrorBoundary.Sandbox,
            _ => boundary,
        };
        logger.LogWarning(e, "Episode {EpisodeId} errored at the {Boundary} boundary.", record.EpisodeId, boundary);
        // The step whose call failed: the agent's turn is the next step; a failed environment step was kept as an unanswered action.
        int? step = boundary == ErrorBoundary.Agent ? record.StepCount : record.StepCount > 0 ? record.StepCount - 1 : null;
        return record.Finish(Termination.Errored, error: new EpisodeError(boundary, e is AgentReplyException reply ? reply.Code : e.GetType().Name, e.Message) { Step = step });
    }

    private async ValueTask DisposeAsync(EpisodeState episode, EpisodeRequest request, bool ownsEnvironment)
    {
        if (episode.Environment is not null && ownsEnvironment) await DisposeBoundedAsync(episode.Environment, "environment", request).ConfigureAwait(false);
        if (episode.Sandbox is not null) await DisposeBoundedAsync(episode.Sandbox, "sandbox", request).ConfigureAwait(false);
    }

    private async ValueTask DisposeBoundedAsync(IAsyncDisposable disposable, string what, EpisodeRequest request)
    {
        try
        {
            var disposal = disposable.DisposeAsync();
            if (disposal.IsCompletedSuccessfully) return;
            var task = disposal.AsTask();
            try
            {
                await task.WaitAsync(DisposeTimeout, time).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Deadlines.Observe(task);
                logger.LogWarning("Disposing the {What} of episode {EpisodeId} takes over {Seconds} s; it goes on in the background.", what, request.EpisodeId, DisposeTimeout.TotalSeconds);
            }
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Disposing the {What} of episode {EpisodeId} failed.", what, request.EpisodeId);
        }
    }

    /// <summary>What the runner tracks about an episode in flight.</summary>
    private sealed class EpisodeState(CancellationToken episodeToken) : IDisposable
    {
        public IEnvironment? Environment;
        public ISandbox? Sandbox;
        public ErrorBoundary Boundary = ErrorBoundary.Host;

        /// <summary>True when a call into the environment was abandoned at its deadline and may still be running.</summary>
        public bool EnvironmentBusy;

        private CancellationTokenSource? _calls;

        /// <summary>
        /// The source whose token the next call into the environment or the agent gets: cancelled with the episode, by the
        /// deadline of an environment call that went asynchronous, and when the episode ends (stopping whatever was abandoned).
        /// One per episode while calls finish at once; a call that went asynchronous retires it (the retired source stays
        /// linked to the episode's token, and goes with it, when the episode ends).
        /// </summary>
        public CancellationTokenSource Calls()
        {
            if (_calls is { IsCancellationRequested: false }) return _calls;
            _calls?.Dispose();
            return _calls = CancellationTokenSource.CreateLinkedTokenSource(episodeToken);
        }

        /// <summary>Stops handing out <paramref name="calls"/> (its deadline's timer may still fire).</summary>
        public void Retire(CancellationTokenSource calls)
        {
            if (ReferenceEquals(_calls, calls)) _calls = null;
        }

        /// <summary>The episode is over: cancels what it handed out, so that an abandoned call stops.</summary>
        public void Dispose()
        {
            if (_calls is not { } calls) return;
            Deadlines.TryCancel(calls);
            calls.Dispose();
        }
    }
}
