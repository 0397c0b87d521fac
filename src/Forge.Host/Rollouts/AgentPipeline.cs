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
    public async ValueTask<Message> ActAsync(AgentTurn turn, TimeSpan turnTimeout, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            context.Properties.Set(TurnTimeoutKey, turnTimeout);
            return await _pipeline.ExecuteAsync(
                static (ctx, state) => Deadlines.Abandonable(state._agent.ActAsync(state.turn, ctx.CancellationToken), ctx.CancellationToken),
                context, (_agent, turn)).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }
}
