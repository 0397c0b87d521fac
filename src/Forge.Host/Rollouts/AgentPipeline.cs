using Forge.Core;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Forge.Host;

/// <summary>
/// Calls the agent under a resilience pipeline: a deadline for the whole turn (outer) around a retry of transient
/// faults with exponential, jittered back-off (inner). An agent that ignores cancellation is abandoned at the
/// deadline (its task is observed so a late fault can't crash the process).
/// </summary>
internal sealed class AgentPipeline
{
    private static readonly ResiliencePropertyKey<TimeSpan> TurnTimeoutKey = new("forge.turn-timeout");
    private readonly ResiliencePipeline _pipeline;
    private readonly IAgent _agent;

    public AgentPipeline(IAgent agent, RolloutOptions options, TimeProvider time)
    {
        _agent = agent;
        var builder = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddTimeout(new TimeoutStrategyOptions
            {
                TimeoutGenerator = static args => ValueTask.FromResult(args.Context.Properties.GetValue(TurnTimeoutKey, TimeSpan.FromSeconds(30))),
            });
        if (options.AgentRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>().Handle<TimeoutException>(),
                MaxRetryAttempts = options.AgentRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.AgentRetryDelay,
            });
        }
        _pipeline = builder.Build();
    }

    /// <summary>
    /// The agent's next message. Throws <see cref="TimeoutRejectedException"/> when the turn's deadline passes,
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> is cancelled, and whatever the agent threw otherwise.
    /// </summary>
    /// <remarks>
    /// The first attempt is made directly, with <paramref name="cancellationToken"/>: an agent that answers at once (scripted,
    /// replayed, cached) needs no deadline and no retry, so it costs no pipeline. An attempt that is still running or that
    /// failed goes on under the pipeline as its first attempt: awaited until the turn's deadline, retried when transient.
    /// The caller cancels <paramref name="cancellationToken"/> when the episode ends, which stops a first attempt abandoned at the deadline.
    /// </remarks>
    public ValueTask<Message> ActAsync(AgentTurn turn, TimeSpan turnTimeout, CancellationToken cancellationToken)
    {
        ValueTask<Message> first;
        try
        {
            first = _agent.ActAsync(turn, cancellationToken);
        }
        catch (Exception e)
        {
            first = ValueTask.FromException<Message>(e);
        }
        return first.IsCompletedSuccessfully ? first : new ValueTask<Message>(ResilientAsync(turn, turnTimeout, first, cancellationToken));
    }

    private async Task<Message> ResilientAsync(AgentTurn turn, TimeSpan turnTimeout, ValueTask<Message> first, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            context.Properties.Set(TurnTimeoutKey, turnTimeout);
            return await _pipeline.ExecuteAsync(
                static (ctx, attempts) => Deadlines.Abandonable(attempts.Next(ctx.CancellationToken), ctx.CancellationToken),
                context, new Attempts(_agent, turn, first)).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>The attempts of one turn: the one already made, then new calls of the agent.</summary>
    private sealed class Attempts(IAgent agent, AgentTurn turn, ValueTask<Message> first)
    {
        private bool _firstTaken;

        public ValueTask<Message> Next(CancellationToken cancellationToken)
        {
            if (_firstTaken) return agent.ActAsync(turn, cancellationToken);
            _firstTaken = true;
            return first;
        }
    }
}
